#!/usr/bin/env python3
"""Checks deploy/compose.yaml where no container engine runs: YAML that parses, the services and their wiring
(PostgreSQL 15, three promo-servers built from deploy/Containerfile on one PostgreSQL URL, HAProxy in front),
secrets and volumes declared where used, every PROMO_ variable one promo-server knows (a misspelt one stops the
server at start), the pools within PostgreSQL's max_connections, and deploy/haproxy.cfg's servers, health
checks and timeouts consistent with them.

Usage: check_compose.py deploy/compose.yaml deploy/haproxy.cfg Sources/promo-server
Exits 1 with one line per problem.
"""
import re
import sys

import yaml

# PROMO_ variables read outside the configuration file (EnvironmentConfig.otherVariables).
OTHER_VARIABLES = {"PROMO_ADMIN_KEY", "PROMO_API_KEY", "PROMO_TLS_CA", "PROMO_TLS_CERT", "PROMO_TLS_KEY",
                   "PROMO_TLS_SERVER_NAME"}
# The PostgreSQL store's settings (issue 14), accepted with a notice while ConfigFile.swift does not have them
# yet; once it does, they are checked like every other key.
# The promo-server's default idleTimeoutMs; HAProxy's inactivity timeouts must outlast it.
SERVER_IDLE_TIMEOUT_MS_DEFAULT = 60_000
# Connections PostgreSQL keeps for superusers, plus room for psql, pg_dump and a monitoring agent.
POSTGRES_HEADROOM = 3 + 10

problems = []


def problem(text):
    problems.append(text)


def variable_name(key):
    """frameBytesMax -> PROMO_FRAME_BYTES_MAX; a run of capitals is one word (as EnvironmentConfig)."""
    name = "PROMO_"
    for index, character in enumerate(key):
        if index > 0 and character.isupper():
            previous = key[index - 1]
            following = key[index + 1] if index + 1 < len(key) else ""
            if previous.islower() or previous.isdigit() or (previous.isupper() and following.islower()):
                name += "_"
        name += character.upper()
    return name


def known_variables(server_sources):
    text = open(f"{server_sources}/ConfigFile.swift").read()
    keys = re.findall(r"^\s+var (\w+): [\w.<>\[\]]+\?", text, re.M)
    if not keys:
        problem(f"no configuration keys found in {server_sources}/ConfigFile.swift")
    return {variable_name(key) for key in keys}


def duration_ms(text):
    match = re.fullmatch(r"(\d+)(ms|s|m|h)?", text)
    if not match:
        return None
    value, unit = int(match.group(1)), match.group(2) or "ms"
    return value * {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}[unit]


def check_compose(compose, known):
    services = compose.get("services") or {}
    for name in ("postgres", "promo1", "promo2", "promo3", "haproxy"):
        if name not in services:
            problem(f"compose: no service {name}")
    declared_secrets = set((compose.get("secrets") or {}).keys())
    declared_volumes = set((compose.get("volumes") or {}).keys())
    for name, service in services.items():
        for secret in service.get("secrets") or []:
            secret = secret if isinstance(secret, str) else secret.get("source")
            if secret not in declared_secrets:
                problem(f"compose: {name} uses the undeclared secret {secret}")
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/")) and source not in declared_volumes:
                problem(f"compose: {name} uses the undeclared volume {source}")
        depends = service.get("depends_on") or []
        for dependency in depends if isinstance(depends, list) else depends.keys():
            if dependency not in services:
                problem(f"compose: {name} depends on the unknown service {dependency}")

    postgres = services.get("postgres", {})
    if not str(postgres.get("image", "")).startswith("postgres:15"):
        problem(f"compose: postgres must run image postgres:15 (has {postgres.get('image')})")
    if "healthcheck" not in postgres:
        problem("compose: postgres needs a healthcheck (the promo-servers wait for it)")
    command = [str(part) for part in postgres.get("command") or []]
    max_connections = 100
    for part in command:
        if part.startswith("max_connections="):
            max_connections = int(part.split("=", 1)[1])

    pools = 0
    urls = set()
    for name in ("promo1", "promo2", "promo3"):
        service = services.get(name, {})
        build = service.get("build") or {}
        if build.get("dockerfile") != "deploy/Containerfile":
            problem(f"compose: {name} must be built from deploy/Containerfile")
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        url = str(environment.get("PROMO_DATABASE_URL", ""))
        if not url.startswith("postgres://"):
            problem(f"compose: {name} needs PROMO_DATABASE_URL=postgres://...")
        if re.match(r"postgres://[^/@]*:[^/@]*@", url):
            problem(f"compose: {name} has a password in PROMO_DATABASE_URL; read it from a secret (PGPASSWORD)")
        urls.add(url)
        try:
            pools += int(environment.get("PROMO_DATABASE_POOL_SIZE"))
        except (TypeError, ValueError):
            problem(f"compose: {name} needs PROMO_DATABASE_POOL_SIZE as a number")
        for variable in environment:
            if not variable.startswith("PROMO_") or variable in known or variable in OTHER_VARIABLES:
                continue
            problem(f"compose: {name} sets {variable}, which promo-server does not know (it would refuse to start)")
        if "promo_admin_key" not in (service.get("secrets") or []):
            problem(f"compose: {name} must take its admin key from the promo_admin_key secret")
        entrypoint = " ".join(service.get("entrypoint") or [])
        if "PROMO_ADMIN_KEY=" not in entrypoint or "/run/secrets/promo_admin_key" not in entrypoint:
            problem(f"compose: {name}'s entrypoint must set PROMO_ADMIN_KEY from /run/secrets/promo_admin_key")
        if re.search(r"(?<!\$)\$\(", entrypoint):
            problem(f"compose: {name}'s entrypoint has $( that compose would interpolate; write $$(")
    if len(urls) > 1:
        problem(f"compose: the promo-servers must share one database URL (have {sorted(urls)})")
    if pools + POSTGRES_HEADROOM > max_connections:
        problem(f"compose: pools of {pools} connections plus {POSTGRES_HEADROOM} spare exceed max_connections={max_connections}")

    haproxy = services.get("haproxy", {})
    mounts = [str(volume) for volume in haproxy.get("volumes") or []]
    if not any(mount.startswith("./haproxy.cfg:") for mount in mounts):
        problem("compose: haproxy must mount ./haproxy.cfg")
    if not any(str(port).endswith("7420:7420") or str(port) == "7420" for port in haproxy.get("ports") or []):
        problem("compose: haproxy must publish the protocol port 7420")
    return services


def check_haproxy(config_text, services):
    lines = [line.split("#", 1)[0].strip() for line in config_text.splitlines()]
    lines = [line for line in lines if line]
    if "mode tcp" not in lines:
        problem("haproxy.cfg: the promo backend needs mode tcp")
    if not any(line.startswith("option httpchk") for line in lines):
        problem("haproxy.cfg: needs option httpchk")
    if not any("uri /readyz" in line or line.startswith("option httpchk") and "/readyz" in line for line in lines):
        problem("haproxy.cfg: the health check must ask /readyz")
    check_lines = [line for line in lines if line.startswith(("default-server", "server "))]
    if not any(re.search(r"\bport 7421\b", line) for line in check_lines):
        problem("haproxy.cfg: health checks must go to the operations port (check port 7421)")
    servers = [line.split()[2].rsplit(":", 1)[0] for line in lines if line.startswith("server ")]
    for host in servers:
        if host not in services:
            problem(f"haproxy.cfg: server {host} is not a compose service")
    for name in ("promo1", "promo2", "promo3"):
        if name not in servers:
            problem(f"haproxy.cfg: no server line for {name}")
    idle = SERVER_IDLE_TIMEOUT_MS_DEFAULT
    for name in ("client", "server"):
        values = [line.split()[2] for line in lines if line.startswith(f"timeout {name} ")]
        if not values:
            problem(f"haproxy.cfg: no timeout {name}")
        for value in values:
            ms = duration_ms(value)
            if ms is None or ms <= idle:
                problem(f"haproxy.cfg: timeout {name} {value} must be longer than the servers' idleTimeoutMs ({idle} ms)")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    compose_path, haproxy_path, server_sources = sys.argv[1:]
    try:
        compose = yaml.safe_load(open(compose_path))
    except yaml.YAMLError as error:
        sys.exit(f"check-deploy: {compose_path} is not valid YAML: {error}")
    if not isinstance(compose, dict):
        sys.exit(f"check-deploy: {compose_path} is not a YAML mapping")
    services = check_compose(compose, known_variables(server_sources))
    check_haproxy(open(haproxy_path).read(), services)
    for text in problems:
        print(f"check-deploy: {text}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
