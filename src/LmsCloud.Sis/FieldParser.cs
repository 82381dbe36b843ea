using System.Globalization;

namespace LmsCloud.Sis;

/// <summary>
/// Reading one CSV field by its column's kind, and a row's status: pure (no database, no I/O), so every rule is
/// unit-tested on its own (tests/LmsCloud.Tests/Sis/FieldParserTests.cs). Findings carry the caller's file and line.
/// </summary>
internal static class FieldParser
{
    /// <summary>
    /// A row's status: <c>active</c> or <c>tobedeleted</c>, or null when the row is rejected (an error in
    /// <paramref name="findings"/>) or, in a bulk file, marked tobedeleted and so treated as absent (a warning).
    /// </summary>
    public static string? Status(string text, FileMode mode, string file, int line, List<RowError> findings)
    {
        text = text.Trim();
        string? status = text.ToLowerInvariant() switch
        {
            "" => mode == FileMode.Delta ? null : "active",
            "active" => "active",
            "tobedeleted" => "tobedeleted",
            "inactive" => "tobedeleted", // OneRoster 1.0
            _ => null,
        };
        if (status == null)
        {
            findings.Add(new RowError(RowError.Error, file, line, "status", text.Length == 0 ? "E_REQUIRED" : "E_ENUM",
                text.Length == 0 ? "A delta row needs a status (active or tobedeleted)." : $"Status '{text}' is not active or tobedeleted."));
            return null;
        }
        if (text == "inactive")
            findings.Add(new RowError(RowError.Warning, file, line, "status", "W_LEGACY_STATUS", "Status 'inactive' (OneRoster 1.0) is read as tobedeleted."));
        else if (text.Length > 0 && text != status)
            findings.Add(new RowError(RowError.Warning, file, line, "status", "W_CASE", $"Status '{text}' read as '{status}'."));
        if (mode == FileMode.Bulk && status == "tobedeleted")
        {
            findings.Add(new RowError(RowError.Warning, file, line, "status", "W_BULK_STATUS",
                "A bulk file is the full truth: a row marked tobedeleted is treated as absent, so the record is deleted."));
            return null;
        }
        return status;
    }

    /// <summary>
    /// One field's value for the staging table (text, a canonical enum value, bool, date, int or a list), or null; sets
    /// <paramref name="ok"/> false when the row must be rejected. <paramref name="deleting"/>: a delta row that deletes
    /// needs no required field but its sourcedId.
    /// </summary>
    public static object? Value(Column column, string text, bool deleting, string file, int line, List<RowError> findings, ref bool ok)
    {
        if (text.Length == 0)
        {
            if (column.Required && !deleting)
            {
                findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_REQUIRED", $"{column.Name} is required."));
                ok = false;
            }
            return null;
        }
        switch (column.Kind)
        {
            case Kind.Enum:
                var match = column.Values!.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase));
                if (match == null)
                {
                    findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_ENUM",
                        $"'{text}' is not a valid {column.Name}; expected one of: {string.Join(", ", column.Values!)}."));
                    ok = false;
                    return null;
                }
                if (match != text)
                    findings.Add(new RowError(RowError.Warning, file, line, column.Name, "W_CASE", $"'{text}' read as '{match}'."));
                return match;
            case Kind.Bool:
                if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
                {
                    if (text is not ("true" or "false"))
                        findings.Add(new RowError(RowError.Warning, file, line, column.Name, "W_CASE", $"'{text}' read as '{text.ToLowerInvariant()}'."));
                    return string.Equals(text, "true", StringComparison.OrdinalIgnoreCase);
                }
                findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_BOOL", $"'{text}' is not true or false."));
                ok = false;
                return null;
            case Kind.Date:
                // ISO 8601 only: 03/04/2026 could be March or April, and we never guess.
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
                findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_DATE", $"'{text}' is not a date in the form YYYY-MM-DD."));
                ok = false;
                return null;
            case Kind.Int:
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
                findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_NUMBER", $"'{text}' is not a whole number."));
                ok = false;
                return null;
            case Kind.List:
                var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (items.Length == 0 && column.Required && !deleting)
                {
                    findings.Add(new RowError(RowError.Error, file, line, column.Name, "E_REQUIRED", $"{column.Name} needs at least one value."));
                    ok = false;
                }
                return items;
            default:
                return text;
        }
    }
}
