extension PostgresSchema {
    /// Steps 10–19: what the hot path (validate, reserve, redeem, codes, the cluster-wide guessing limit) adds
    /// to the schema. Kept in this file of its own so that the two halves of the store grow without touching
    /// each other's steps.
    static let hotPathSteps: [PostgresMigration] = [
        // 10: the guessing limit's windows, and the functions that record a redemption, a void and a failed
        // attempt with every maintained total in one round trip (the SQLite store's RedemptionLedger,
        // ReportTotals and EffectTotals, statement for statement). They run inside the caller's transaction,
        // which holds the campaign's row lock and the advisory keys (PostgresHotPath, HotPathBatcher).
        PostgresMigration(
            version: 10, name: "hot path: guessing-limit windows, redemption and void functions",
            sql: #"""
                -- Failed attempts per caller, counted cluster-wide (FailedAttemptWindow's stored state).
                CREATE TABLE attempt_windows (
                    kind              text NOT NULL CHECK (kind IN ('user', 'ip')),
                    caller            text NOT NULL,
                    window_start_ms   bigint NOT NULL,
                    current_failures  bigint NOT NULL CHECK (current_failures >= 0),
                    previous_failures bigint NOT NULL CHECK (previous_failures >= 0),
                    locked_until_ms   bigint NOT NULL,
                    PRIMARY KEY (kind, caller)
                );
                CREATE INDEX attempt_windows_by_age ON attempt_windows (greatest(window_start_ms, locked_until_ms));

                -- Takes transaction advisory locks on the hashes of `keys`, in ascending order, so that any two transactions
                -- taking overlapping sets never wait on each other in a cycle.
                CREATE FUNCTION promo_lock_keys(keys text[]) RETURNS void LANGUAGE plpgsql AS $$
                DECLARE k bigint;
                BEGIN
                    FOR k IN SELECT DISTINCT hashtextextended(x, 7) AS h FROM unnest(keys) x ORDER BY h LOOP
                        PERFORM pg_advisory_xact_lock(k);
                    END LOOP;
                END $$;

                CREATE FUNCTION promo_hour(ms bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
                $$ SELECT ms - ((ms % 3600000) + 3600000) % 3600000 $$;

                CREATE FUNCTION promo_bump_dimension(c text, d text, k text, h bigint, r bigint, f bigint) RETURNS void LANGUAGE sql AS $$
                    INSERT INTO campaign_dimension_hours AS t (campaign_id, dimension, key, hour_ms, redemptions, failures)
                    VALUES (c, d, k, h, r, f)
                    ON CONFLICT (campaign_id, dimension, hour_ms, key) DO UPDATE SET
                        redemptions = t.redemptions + r, failures = t.failures + f;
                    INSERT INTO campaign_dimensions AS t (campaign_id, dimension, key, redemptions, failures) VALUES (c, d, k, r, f)
                    ON CONFLICT (campaign_id, dimension, key) DO UPDATE SET
                        redemptions = t.redemptions + r, failures = t.failures + f;
                $$;

                -- Moves the pair counts of one kind between two hours by `amount` (a row left at zero is dropped).
                CREATE FUNCTION promo_move_pairs(c text, from_hour bigint, to_hour bigint, step_ bigint, amount bigint)
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE left_ bigint;
                BEGIN
                    IF from_hour IS NULL OR to_hour IS NULL OR amount = 0 THEN RETURN; END IF;
                    IF amount > 0 THEN
                        INSERT INTO campaign_repeat_pairs AS t (campaign_id, from_hour_ms, to_hour_ms, step, pairs)
                        VALUES (c, from_hour, to_hour, step_, amount)
                        ON CONFLICT (campaign_id, from_hour_ms, to_hour_ms, step) DO UPDATE SET pairs = t.pairs + amount;
                    ELSE
                        UPDATE campaign_repeat_pairs SET pairs = pairs + amount
                        WHERE campaign_id = c AND from_hour_ms = from_hour AND to_hour_ms = to_hour AND step = step_
                        RETURNING pairs INTO left_;
                        IF left_ = 0 THEN
                            DELETE FROM campaign_repeat_pairs
                            WHERE campaign_id = c AND from_hour_ms = from_hour AND to_hour_ms = to_hour AND step = step_;
                        END IF;
                    END IF;
                END $$;

                -- The report and effectiveness totals of one redemption (delta 1, after its row is inserted) or its void
                -- (delta -1, after its row is marked voided): PromoStore's applyRedemptionTotals and applyEffectTotals.
                CREATE FUNCTION promo_apply_totals(rid text, owner text, new_user boolean, delta bigint)
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                    r redemptions%ROWTYPE;
                    h bigint;
                    spins bigint;
                    points bigint;
                    prev bigint[];
                    nxt bigint[];
                    p1 bigint; p2 bigint; n1 bigint; n2 bigint;
                    d text; k text;
                BEGIN
                    SELECT * INTO STRICT r FROM redemptions WHERE id = rid;
                    h := promo_hour(r.redeemed_at_ms);
                    spins := CASE WHEN r.reward_kind = 'free_spins' THEN r.reward_amount ELSE 0 END;
                    points := CASE WHEN r.reward_kind = 'loyalty_points' THEN r.reward_amount ELSE 0 END;
                    IF delta > 0 THEN
                        INSERT INTO campaign_hours AS t (campaign_id, hour_ms, redemptions, voided, new_users, free_spins, loyalty_points)
                        VALUES (r.campaign_id, h, 1, 0, new_user::int, spins, points)
                        ON CONFLICT (campaign_id, hour_ms) DO UPDATE SET redemptions = t.redemptions + 1,
                            new_users = t.new_users + new_user::int, free_spins = t.free_spins + spins,
                            loyalty_points = t.loyalty_points + points;
                    ELSE
                        UPDATE campaign_hours SET voided = voided + 1, free_spins = free_spins - spins,
                            loyalty_points = loyalty_points - points
                        WHERE campaign_id = r.campaign_id AND hour_ms = h;
                    END IF;
                    IF r.reward_kind IN ('bonus', 'deposit_match') THEN
                        IF delta > 0 THEN
                            INSERT INTO campaign_money_hours AS t (campaign_id, hour_ms, currency, amount_minor)
                            VALUES (r.campaign_id, h, r.reward_currency, r.reward_amount)
                            ON CONFLICT (campaign_id, hour_ms, currency) DO UPDATE SET amount_minor = t.amount_minor + r.reward_amount;
                        ELSE
                            UPDATE campaign_money_hours SET amount_minor = amount_minor - r.reward_amount
                            WHERE campaign_id = r.campaign_id AND hour_ms = h AND currency = r.reward_currency;
                        END IF;
                    END IF;
                    FOR d, k IN VALUES ('source', r.source), ('owner', coalesce(owner, '')), ('ip', r.ip), ('device', r.device_id) LOOP
                        CONTINUE WHEN k = '';
                        IF delta > 0 THEN
                            PERFORM promo_bump_dimension(r.campaign_id, d, k, h, 1, 0);
                        ELSE
                            UPDATE campaign_dimension_hours SET redemptions = redemptions - 1
                            WHERE campaign_id = r.campaign_id AND dimension = d AND key = k AND hour_ms = h;
                            UPDATE campaign_dimensions SET redemptions = redemptions - 1
                            WHERE campaign_id = r.campaign_id AND dimension = d AND key = k;
                        END IF;
                    END LOOP;

                    -- Effectiveness: deposits, then repeat pairs (EffectTotals.swift explains the pair arithmetic).
                    IF r.deposit_minor > 0 THEN
                        IF delta > 0 THEN
                            INSERT INTO campaign_deposit_hours AS t (campaign_id, hour_ms, currency, deposits, amount_minor)
                            VALUES (r.campaign_id, h, r.deposit_currency, 1, r.deposit_minor)
                            ON CONFLICT (campaign_id, hour_ms, currency) DO UPDATE SET deposits = t.deposits + 1,
                                amount_minor = t.amount_minor + least(r.deposit_minor, 9223372036854775807 - t.amount_minor);
                        ELSE
                            UPDATE campaign_deposit_hours SET deposits = deposits - 1,
                                amount_minor = amount_minor - least(r.deposit_minor, amount_minor)
                            WHERE campaign_id = r.campaign_id AND hour_ms = h AND currency = r.deposit_currency;
                        END IF;
                    END IF;
                    IF delta > 0 AND new_user THEN RETURN; END IF;
                    -- Neighbours among the user's other standing redemptions: p1, p2 before (nearest first), n1, n2 after.
                    -- Ties: rows at the same time with a smaller id come before, larger after (any consistent split works).
                    SELECT array_agg(promo_hour(t.redeemed_at_ms) ORDER BY t.redeemed_at_ms DESC, t.id DESC) INTO prev FROM (
                        SELECT redeemed_at_ms, id FROM redemptions
                        WHERE campaign_id = r.campaign_id AND user_id = r.user_id AND voided_at_ms IS NULL AND id <> rid
                          AND (redeemed_at_ms, id) < (r.redeemed_at_ms, rid)
                        ORDER BY redeemed_at_ms DESC, id DESC LIMIT 2) t;
                    SELECT array_agg(promo_hour(t.redeemed_at_ms) ORDER BY t.redeemed_at_ms, t.id) INTO nxt FROM (
                        SELECT redeemed_at_ms, id FROM redemptions
                        WHERE campaign_id = r.campaign_id AND user_id = r.user_id AND voided_at_ms IS NULL AND id <> rid
                          AND (redeemed_at_ms, id) > (r.redeemed_at_ms, rid)
                        ORDER BY redeemed_at_ms, id LIMIT 2) t;
                    p1 := prev[1]; p2 := prev[2]; n1 := nxt[1]; n2 := nxt[2];
                    IF coalesce(array_length(prev, 1), 0) + coalesce(array_length(nxt, 1), 0) = 1 THEN
                        UPDATE campaigns SET repeat_users = repeat_users + delta WHERE id = r.campaign_id;
                    END IF;
                    -- Net moves per (from, to, step), summed first so a row never dips below zero on the way.
                    PERFORM promo_move_pairs(r.campaign_id, m.f, m.t, m.s, sum(m.a)::bigint * delta)
                    FROM (VALUES (p1, n1, 1, -1), (p1, h, 1, 1), (h, n1, 1, 1),
                                 (p2, n1, 2, -1), (p1, n2, 2, -1), (p2, h, 2, 1), (p1, n1, 2, 1), (h, n2, 2, 1))
                         AS m(f, t, s, a)
                    WHERE m.f IS NOT NULL AND m.t IS NOT NULL
                    GROUP BY m.f, m.t, m.s
                    ORDER BY sum(m.a)::bigint * delta;
                END $$;

                -- One failed attempt of a known campaign in the report totals (PromoStore's recordFailureRows): by verdict,
                -- and by ip, device and user, each under its own key while the campaign's hour tracks fewer than `keys_max`
                -- keys of that dimension, else under '' (otherDimensionKey).
                CREATE FUNCTION promo_record_failure(c text, verdict_ text, at_ms bigint, ip_ text, device_ text, user_ text, keys_max bigint)
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE h bigint := promo_hour(at_ms); d text; k text; tracked text;
                BEGIN
                    PERFORM 1 FROM campaigns WHERE id = c;
                    IF NOT FOUND THEN RETURN; END IF;
                    INSERT INTO campaign_failure_hours AS t (campaign_id, hour_ms, verdict, failures) VALUES (c, h, verdict_, 1)
                    ON CONFLICT (campaign_id, hour_ms, verdict) DO UPDATE SET failures = t.failures + 1;
                    FOR d, k IN VALUES ('ip', ip_), ('device', device_), ('user', user_) LOOP
                        CONTINUE WHEN k = '';
                        tracked := k;
                        IF NOT EXISTS (SELECT 1 FROM campaign_dimension_hours
                                       WHERE campaign_id = c AND dimension = d AND hour_ms = h AND key = k)
                           AND (SELECT count(*) FROM (SELECT 1 FROM campaign_dimension_hours
                                       WHERE campaign_id = c AND dimension = d AND hour_ms = h LIMIT keys_max) s) >= keys_max THEN
                            tracked := '';
                        END IF;
                        PERFORM promo_bump_dimension(c, d, tracked, h, 0, 1);
                    END LOOP;
                END $$;

                -- Records redemption `rid` (PromoStore's recordRedemption): the row, the player's and the group's counts,
                -- the code's uses, the campaign's counters and budget spend, the consumed reservation and the report totals.
                -- The caller holds the campaign's row lock and has judged the redemption OK on what it read under it.
                CREATE FUNCTION promo_record_redemption(
                    rid text, campaign_ text, code_key_ text, code_display_ text, user_ text, ip_ text, device_ text, source_ text,
                    deposit_minor_ bigint, deposit_currency_ text, reward_kind_ text, granted bigint, reward_currency_ text,
                    reward_percent_ bigint, reward_cap_ bigint, reward_game_ text, now_ms bigint, max_per_user_ bigint,
                    group_ text, group_max_ bigint, reservation_ text)
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                    user_count bigint; code_uses bigint; owner text; auto_entry boolean; unit text;
                BEGIN
                    INSERT INTO redemptions (id, campaign_id, code_key, code_display, user_id, ip, device_id, source, deposit_minor,
                        deposit_currency, reward_kind, reward_amount, reward_currency, reward_percent, reward_cap_minor,
                        reward_game_id, redeemed_at_ms)
                    VALUES (rid, campaign_, code_key_, code_display_, user_, ip_, device_, source_, deposit_minor_, deposit_currency_,
                        reward_kind_, granted, reward_currency_, reward_percent_, reward_cap_, reward_game_, now_ms);
                    INSERT INTO user_redemptions AS t (campaign_id, user_id, redemptions, max_per_user, first_at_ms)
                    VALUES (campaign_, user_, 1, max_per_user_, now_ms)
                    ON CONFLICT (campaign_id, user_id) DO UPDATE SET redemptions = t.redemptions + 1, max_per_user = max_per_user_,
                        first_at_ms = CASE WHEN t.redemptions = 0 THEN now_ms ELSE t.first_at_ms END
                    RETURNING redemptions INTO user_count;
                    IF group_ IS NOT NULL THEN
                        INSERT INTO group_user_redemptions AS t (group_id, user_id, redemptions, max_per_user)
                        VALUES (group_, user_, 1, group_max_)
                        ON CONFLICT (group_id, user_id) DO UPDATE SET redemptions = t.redemptions + 1, max_per_user = group_max_;
                    END IF;
                    UPDATE codes SET uses = uses + 1 WHERE key = code_key_ RETURNING uses, owner_id INTO code_uses, owner;
                    auto_entry := left(code_key_, 6) = '~auto:';
                    UPDATE campaigns SET redemptions = redemptions + 1, unique_users = unique_users + (user_count = 1)::int,
                        codes_redeemed = codes_redeemed + (code_uses = 1 AND NOT auto_entry)::int,
                        budget_spent_minor = budget_spent_minor + CASE
                            WHEN (CASE reward_kind_ WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' ELSE reward_currency_ END)
                               = (CASE reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' ELSE reward_currency END)
                            THEN granted ELSE 0 END
                    WHERE id = campaign_;
                    IF reservation_ IS NOT NULL THEN
                        UPDATE reservations SET redemption_id = rid WHERE id = reservation_;
                    END IF;
                    PERFORM promo_apply_totals(rid, owner, user_count = 1, 1);
                END $$;

                -- Voids redemption `rid` (PromoStore's voidRedemption): the row keeps its time and reason, every count and
                -- total goes back. The caller holds the campaign's row lock. Returns false when it is already voided.
                CREATE FUNCTION promo_void_redemption(rid text, reason_ text, now_ms bigint) RETURNS boolean LANGUAGE plpgsql AS $$
                DECLARE
                    r redemptions%ROWTYPE; next_first bigint; first_ms bigint; user_left bigint; uses_left bigint; owner text;
                BEGIN
                    SELECT * INTO STRICT r FROM redemptions WHERE id = rid;
                    IF r.voided_at_ms IS NOT NULL THEN RETURN false; END IF;
                    UPDATE redemptions SET voided_at_ms = now_ms, void_reason = reason_ WHERE id = rid;
                    SELECT min(redeemed_at_ms) INTO next_first FROM redemptions
                    WHERE campaign_id = r.campaign_id AND user_id = r.user_id AND voided_at_ms IS NULL;
                    SELECT first_at_ms INTO first_ms FROM user_redemptions WHERE campaign_id = r.campaign_id AND user_id = r.user_id;
                    UPDATE user_redemptions SET redemptions = redemptions - 1, first_at_ms = coalesce(next_first, 0)
                    WHERE campaign_id = r.campaign_id AND user_id = r.user_id RETURNING redemptions INTO user_left;
                    UPDATE group_user_redemptions SET redemptions = redemptions - 1
                    WHERE group_id = (SELECT group_id FROM campaigns WHERE id = r.campaign_id) AND user_id = r.user_id;
                    -- The first-time user moves from the hour of the old first redemption to the new one's (or out).
                    IF next_first IS NULL OR promo_hour(next_first) <> promo_hour(first_ms) THEN
                        UPDATE campaign_hours SET new_users = new_users - 1 WHERE campaign_id = r.campaign_id AND hour_ms = promo_hour(first_ms);
                        IF next_first IS NOT NULL THEN
                            UPDATE campaign_hours SET new_users = new_users + 1
                            WHERE campaign_id = r.campaign_id AND hour_ms = promo_hour(next_first);
                        END IF;
                    END IF;
                    UPDATE codes SET uses = uses - 1 WHERE key = r.code_key RETURNING uses, owner_id INTO uses_left, owner;
                    UPDATE campaigns SET redemptions = redemptions - 1, unique_users = unique_users - (user_left = 0)::int,
                        codes_redeemed = codes_redeemed - (uses_left = 0 AND left(r.code_key, 6) <> '~auto:')::int,
                        budget_spent_minor = budget_spent_minor - CASE
                            WHEN (CASE r.reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' ELSE r.reward_currency END)
                               = (CASE reward_kind WHEN 'free_spins' THEN 'spins' WHEN 'loyalty_points' THEN 'points' ELSE reward_currency END)
                            THEN r.reward_amount ELSE 0 END
                    WHERE id = r.campaign_id;
                    PERFORM promo_apply_totals(rid, owner, false, -1);
                    RETURN true;
                END $$;

                -- Stores one caller's guessing window as judged (FailedAttemptWindow's state); first drops a few windows of
                -- others that hold nothing any more (no cool-down, nothing in the last two windows), so the table stays
                -- bounded by the callers that failed lately.
                CREATE FUNCTION promo_store_window(kind_ text, caller_ text, start_ms bigint, current_ bigint, previous_ bigint,
                    locked_until bigint, forget_before_ms bigint) RETURNS void LANGUAGE sql AS $$
                    DELETE FROM attempt_windows WHERE (kind, caller) IN (
                        SELECT kind, caller FROM attempt_windows
                        WHERE greatest(window_start_ms, locked_until_ms) < forget_before_ms LIMIT 4 FOR UPDATE SKIP LOCKED);
                    INSERT INTO attempt_windows AS t (kind, caller, window_start_ms, current_failures, previous_failures, locked_until_ms)
                    VALUES (kind_, caller_, start_ms, current_, previous_, locked_until)
                    ON CONFLICT (kind, caller) DO UPDATE SET window_start_ms = start_ms, current_failures = current_,
                        previous_failures = previous_, locked_until_ms = locked_until;
                $$;

                -- The writes of one judged redeem, all or nothing (an exception block: a subtransaction of the batch's
                -- transaction, so one failing redeem leaves the others of its batch standing): the redemption when OK, the
                -- failed attempt's report totals otherwise, the idempotency record, and the guessing windows (NULL caller:
                -- unchanged). Returns NULL, or the error that undid them. Deadlocks and serialization failures are raised:
                -- the whole batch runs again.
                CREATE FUNCTION promo_finish_redeem(
                    ok boolean, rid text, campaign_ text, code_key_ text, code_display_ text, user_ text, ip_ text, device_ text,
                    source_ text, deposit_minor_ bigint, deposit_currency_ text, reward_kind_ text, granted bigint,
                    reward_currency_ text, reward_percent_ bigint, reward_cap_ bigint, reward_game_ text, now_ms bigint,
                    max_per_user_ bigint, group_ text, group_max_ bigint, reservation_ text,
                    failure_verdict text, keys_max bigint,
                    idem_api text, idem_key text, idem_fingerprint text, idem_verdict text,
                    user_window bigint[], ip_window bigint[], forget_before_ms bigint)
                RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                    IF ok THEN
                        PERFORM promo_record_redemption(rid, campaign_, code_key_, code_display_, user_, ip_, device_, source_,
                            deposit_minor_, deposit_currency_, reward_kind_, granted, reward_currency_, reward_percent_, reward_cap_,
                            reward_game_, now_ms, max_per_user_, group_, group_max_, reservation_);
                    ELSIF campaign_ IS NOT NULL THEN
                        PERFORM promo_record_failure(campaign_, failure_verdict, now_ms, ip_, device_, user_, keys_max);
                    END IF;
                    IF idem_key IS NOT NULL THEN
                        INSERT INTO idempotency (api_key_id, key, fingerprint, verdict, campaign_id, redemption_id, created_at_ms)
                        VALUES (idem_api, idem_key, idem_fingerprint, idem_verdict, coalesce(campaign_, ''),
                            CASE WHEN ok THEN rid END, now_ms);
                    END IF;
                    IF user_window IS NOT NULL THEN
                        PERFORM promo_store_window('user', user_, user_window[1], user_window[2], user_window[3], user_window[4],
                            forget_before_ms);
                    END IF;
                    IF ip_window IS NOT NULL THEN
                        PERFORM promo_store_window('ip', ip_, ip_window[1], ip_window[2], ip_window[3], ip_window[4], forget_before_ms);
                    END IF;
                    RETURN NULL;
                EXCEPTION WHEN OTHERS THEN
                    IF SQLSTATE IN ('40001', '40P01') THEN RAISE; END IF;
                    RETURN SQLSTATE || ': ' || SQLERRM;
                END $$;

                -- The writes of one judged reserving validate, all or nothing (as promo_finish_redeem): the held use when
                -- OK (after dropping a few reservations that expired unused more than the retention ago), the failed
                -- attempt's totals otherwise, and the guessing windows.
                CREATE FUNCTION promo_finish_reserve(
                    ok boolean, reservation_ text, campaign_ text, code_key_ text, user_ text, ip_ text, device_ text,
                    until_ms bigint, now_ms bigint, purge_before_ms bigint, failure_verdict text, keys_max bigint,
                    user_window bigint[], ip_window bigint[], forget_before_ms bigint)
                RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM reservations WHERE id IN (
                        SELECT id FROM reservations WHERE redemption_id IS NULL AND expires_at_ms < purge_before_ms
                        LIMIT 16 FOR UPDATE SKIP LOCKED);
                    IF ok THEN
                        INSERT INTO reservations (id, campaign_id, code_key, user_id, expires_at_ms)
                        VALUES (reservation_, campaign_, code_key_, user_, until_ms);
                    ELSIF campaign_ IS NOT NULL THEN
                        PERFORM promo_record_failure(campaign_, failure_verdict, now_ms, ip_, device_, user_, keys_max);
                    END IF;
                    IF user_window IS NOT NULL THEN
                        PERFORM promo_store_window('user', user_, user_window[1], user_window[2], user_window[3], user_window[4],
                            forget_before_ms);
                    END IF;
                    IF ip_window IS NOT NULL THEN
                        PERFORM promo_store_window('ip', ip_, ip_window[1], ip_window[2], ip_window[3], ip_window[4], forget_before_ms);
                    END IF;
                    RETURN NULL;
                EXCEPTION WHEN OTHERS THEN
                    IF SQLSTATE IN ('40001', '40P01') THEN RAISE; END IF;
                    RETURN SQLSTATE || ': ' || SQLERRM;
                END $$;
                """#),
        // 11: imports in one round trip per slice, in the order given (PostgresStore+Codes.swift).
        PostgresMigration(
            version: 11, name: "hot path: code imports",
            sql: #"""
                -- Imports one slice of codes of batch `batch_`, in the order given, as the SQLite store does one at a time: each
                -- code goes in unless its key or its owner (in the campaign) is taken. Returns the refused ones with their index
                -- in the slice and why: a conflict with a code of this very batch is a repeat within the import.
                CREATE FUNCTION promo_import_slice(batch_ text, campaign_ text, keys text[], displays text[], owners text[],
                    max_uses_ bigint[], now_ms bigint) RETURNS TABLE (refused_index integer, reason text) LANGUAGE plpgsql AS $$
                DECLARE i integer; taken_batch text; inserted integer := 0;
                BEGIN
                    FOR i IN 1 .. coalesce(array_length(keys, 1), 0) LOOP
                        INSERT INTO codes (key, display, campaign_id, max_uses, uses, active, owner_id, batch_id, created_at_ms)
                        VALUES (keys[i], displays[i], campaign_, max_uses_[i], 0, true, nullif(owners[i], ''), batch_, now_ms)
                        ON CONFLICT DO NOTHING;
                        IF FOUND THEN
                            inserted := inserted + 1;
                            CONTINUE;
                        END IF;
                        refused_index := i - 1;
                        SELECT batch_id INTO taken_batch FROM codes WHERE key = keys[i];
                        IF FOUND THEN
                            reason := CASE WHEN taken_batch IS NOT DISTINCT FROM batch_ THEN 'repeatedInImport' ELSE 'codeExists' END;
                        ELSE
                            SELECT batch_id INTO taken_batch FROM codes WHERE campaign_id = campaign_ AND owner_id = nullif(owners[i], '');
                            reason := CASE WHEN taken_batch IS NOT DISTINCT FROM batch_ THEN 'ownerRepeatedInImport' ELSE 'ownerHasCode' END;
                        END IF;
                        RETURN NEXT;
                    END LOOP;
                    UPDATE code_batches SET created = created + inserted WHERE id = batch_;
                    UPDATE campaigns SET codes_issued = codes_issued + inserted WHERE id = campaign_;
                END $$;
                """#),
    ]
}
