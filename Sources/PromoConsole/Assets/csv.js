// CSV in and out (RFC 4180: quoted fields, doubled quotes, CRLF or LF).

/** Rows of fields; a trailing empty line is dropped. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let fieldText = "";
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte order mark
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { fieldText += '"'; i++; } else quoted = false;
      } else fieldText += c;
    } else if (c === '"' && fieldText === "") quoted = true;
    else if (c === ",") { row.push(fieldText); fieldText = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(fieldText); rows.push(row); row = []; fieldText = "";
    } else fieldText += c;
  }
  if (fieldText !== "" || row.length > 0) { row.push(fieldText); rows.push(row); }
  return rows;
}

function cell(value) {
  let text = value === undefined || value === null ? "" : String(value);
  // A spreadsheet would run a cell starting with these as a formula.
  if (/^[=+@\t\r]/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values) {
  return values.map(cell).join(",") + "\r\n";
}

/** Offers `parts` (strings) as a file download named `name`. */
export function download(name, parts, type = "text/csv") {
  const blob = new Blob(parts, { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
