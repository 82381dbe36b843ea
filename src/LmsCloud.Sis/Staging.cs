using System.Text.Json;
using CsvHelper;
using Npgsql;

namespace LmsCloud.Sis;

/// <summary>One row-level finding: where (file, 1-based line, column) and what (code, message).</summary>
public sealed record RowError(string Severity, string File, int? Line, string? Column, string Code, string Message)
{
    public const string Error = "error", Warning = "warning";
}

/// <summary>
/// Reads one OneRoster file with CsvHelper (header names bound case-insensitively; BOM, LF, CRLF and bare CR all
/// fine), checks every field, and streams the good rows into its temp staging table with binary COPY. Bad rows
/// become <see cref="RowError"/>s and are not staged. Memory stays flat whatever the file size.
/// </summary>
internal static class Staging
{
    public static async Task CreateTableAsync(NpgsqlConnection conn, FileSpec spec, CancellationToken ct)
    {
        var columns = string.Join(", ", spec.Columns.Select(c => $"{c.Stage} {c.SqlType}"));
        await using var cmd = new NpgsqlCommand(
            $"drop table if exists {spec.StageTable}; create temp table {spec.StageTable} (line integer not null, sid text not null, " +
            $"status text not null, {columns}, id uuid)", conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Stages the file; returns how many rows were staged and the sourcedIds of rejected rows (so a bulk run never
    /// deletes a record just because its row had a typo).
    /// </summary>
    public static async Task<(int Staged, List<string> InvalidSids, int Invalid)> StageAsync(NpgsqlConnection conn, RosterPackage package,
        FileSpec spec, FileMode mode, RowErrorLog errors, Action<long> bytesRead, CancellationToken ct)
    {
        await CreateTableAsync(conn, spec, ct);
        var file = spec.FileName;
        await using var counting = new CountingStream(package.OpenFile(file), bytesRead);
        await using var reader = CsvReader.Create(counting, new CsvReaderOptions { Separator = ',', TrackLineNumbers = true });
        await reader.ReadHeaderAsync(ct);
        var headers = reader.Headers.Select((h, i) => (Name: i == 0 ? h.TrimStart('\uFEFF').Trim() : h.Trim(), Index: i)).ToList();

        int Find(string name) =>
            headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase), (null!, -1)).Index;
        // A column binds by its name, else by its OneRoster 1.0 name. 1.0 names are right in a 1.0 package; under a newer
        // manifest (vendors upgrade the manifest, not the files) they are read with a warning.
        var legacy = package.Version != OneRosterVersion.V1_0;
        int Bind(string name, string[]? aliases)
        {
            var index = Find(name);
            foreach (var alias in aliases ?? [])
                if (index < 0 && (index = Find(alias)) >= 0 && legacy)
                    errors.Add(new RowError(RowError.Warning, file, 1, headers[index].Name, "W_LEGACY_COLUMN",
                        $"Column '{headers[index].Name}' is the OneRoster 1.0 name of '{name}'; it is read as {name}."));
            return index;
        }

        var sidIndex = Bind("sourcedId", spec.SourcedIdAliases);
        var statusIndex = Find("status");
        if (sidIndex < 0) throw new PackageException($"{file}: the header has no sourcedId column.");
        var bound = spec.Columns.Select(c => (Column: c, Index: c.Kind == Kind.Json ? -1 : Bind(c.Name, c.Aliases))).ToList();
        if (bound.FirstOrDefault(b => b.Column.Required && b.Index < 0 && b.Column.IfAbsent == null) is { Column: { } missing })
            throw new PackageException($"{file}: the required column '{missing.Name}' is missing from the header.");
        foreach (var (column, _) in bound.Where(b => b.Index < 0 && b.Column.IfAbsent != null && legacy))
            errors.Add(new RowError(RowError.Warning, file, 1, column.Name, "W_LEGACY_COLUMN",
                $"The header has no {column.Name} column (OneRoster 1.0 had none); {column.IfAbsent} is used."));
        var known = bound.Select(b => b.Index).Append(sidIndex).Append(statusIndex).Append(Find("dateLastModified")).ToHashSet();
        var extra = headers.Where(h => !known.Contains(h.Index)).ToList(); // demographics keeps these as JSON
        var jsonColumn = spec.Columns.FirstOrDefault(c => c.Kind == Kind.Json);
        foreach (var h in extra.Where(h => jsonColumn == null && !RosterFiles.IgnoredColumns.Contains(h.Name) &&
                                           !h.Name.StartsWith("metadata.", StringComparison.OrdinalIgnoreCase)))
            errors.Add(new RowError(RowError.Warning, file, 1, h.Name.Length == 0 ? $"#{h.Index + 1}" : h.Name, "W_UNKNOWN_COLUMN",
                h.Name.Length == 0 ? $"Column {h.Index + 1} has no header name; it is ignored." : $"Column '{h.Name}' is not a OneRoster {spec.Label} column; it is ignored."));

        var staged = 0;
        var invalid = 0;
        var invalidSids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var findings = new List<RowError>(); // one row's findings, handed to the log when the row is read
        var copyColumns = string.Join(", ", spec.Columns.Select(c => c.Stage));
        await using (var copy = await conn.BeginBinaryImportAsync(
                         $"copy {spec.StageTable} (line, sid, status, {copyColumns}) from stdin (format binary)", ct))
        {
            copy.Timeout = TimeSpan.FromHours(1);
            var values = new object?[spec.Columns.Length];
            while (await reader.ReadAsync(ct))
            {
                var line = (int)reader.LineNumber;
                if (reader.FieldCount == 1 && reader.GetString(0).Length == 0) continue; // blank line
                await errors.CheckpointAsync(ct);
                var rowErrors = errors.Errors;
                if (reader.FieldCount != headers.Count)
                {
                    errors.Add(new RowError(RowError.Error, file, line, null, "E_FIELD_COUNT",
                        $"The row has {reader.FieldCount} fields; the header has {headers.Count}."));
                    invalid++;
                    if (reader.FieldCount > sidIndex && ReadableSid(reader, sidIndex) is { } readable) invalidSids.Add(readable);
                    continue;
                }

                // PostgreSQL text cannot hold NUL (COPY would refuse the whole file): the row is rejected, like any invalid row.
                if (FirstNul(reader) is var nul and >= 0)
                {
                    errors.Add(new RowError(RowError.Error, file, line, HeaderName(headers[nul].Name, nul), "E_NUL",
                        "The field holds a NUL byte (0x00), which no text value may contain."));
                    invalid++;
                    if (ReadableSid(reader, sidIndex) is { } readable) invalidSids.Add(readable);
                    continue;
                }

                var sid = reader.GetString(sidIndex).Trim();
                if (sid.Length == 0)
                {
                    errors.Add(new RowError(RowError.Error, file, line, "sourcedId", "E_REQUIRED", "sourcedId is required."));
                    invalid++;
                    continue;
                }
                if (!seen.Add(sid))
                {
                    errors.Add(new RowError(RowError.Error, file, line, "sourcedId", "E_DUPLICATE_ID",
                        $"sourcedId '{sid}' appears more than once in {file}; the first row wins."));
                    invalid++;
                    continue;
                }

                var status = FieldParser.Status(statusIndex < 0 ? "" : reader.GetString(statusIndex), mode, file, line, findings);
                Drain(findings, errors);
                if (status == null)
                {
                    if (errors.Errors > rowErrors)
                    {
                        invalid++;
                        invalidSids.Add(sid);
                    }
                    continue; // a bulk row marked tobedeleted counts as absent
                }

                var ok = true;
                for (var i = 0; i < spec.Columns.Length; i++)
                {
                    var column = spec.Columns[i];
                    if (column.Kind == Kind.Json)
                    {
                        // A header name with a NUL (jsonb refuses \u0000 in a key) is not one we could store: left out.
                        values[i] = JsonSerializer.Serialize(extra.Where(h => h.Name.Length > 0 && !h.Name.Contains('\0') && reader.GetString(h.Index).Trim().Length > 0)
                            .ToDictionary(h => h.Name, h => reader.GetString(h.Index).Trim()));
                        continue;
                    }
                    var index = bound[i].Index;
                    // A delta row that deletes needs only its sourcedId. A column the header lacks is null (IfAbsent: derived later).
                    values[i] = index < 0 ? null : FieldParser.Value(column, reader.GetString(index).Trim(), status == "tobedeleted", file, line, findings, ref ok);
                }
                Drain(findings, errors);
                if (!ok)
                {
                    invalid++;
                    invalidSids.Add(sid);
                    continue;
                }

                await copy.StartRowAsync(ct);
                await copy.WriteAsync(line, NpgsqlTypes.NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(sid, NpgsqlTypes.NpgsqlDbType.Text, ct);
                await copy.WriteAsync(status, NpgsqlTypes.NpgsqlDbType.Text, ct);
                for (var i = 0; i < spec.Columns.Length; i++)
                {
                    if (values[i] == null) await copy.WriteNullAsync(ct);
                    else await copy.WriteAsync(values[i], spec.Columns[i].DbType, ct);
                }
                staged++;
            }
            await copy.CompleteAsync(ct);
        }
        if (staged == 0 && invalid == 0 && mode == FileMode.Bulk)
            errors.Add(new RowError(RowError.Warning, file, null, null, "W_EMPTY_BULK",
                $"{file} is declared bulk but has no rows: every active {spec.Label} record would be deleted (the deletion threshold decides)."));
        return (staged, invalidSids, invalid);
    }

    /// <summary>
    /// The sourcedId of a rejected row, remembered so the row never deletes its record; with a NUL in it, the id without
    /// the NUL is the best reading. Null when there is none.
    /// </summary>
    static string? ReadableSid(CsvReader reader, int sidIndex) =>
        reader.GetString(sidIndex).Replace("\0", "").Trim() is { Length: > 0 } sid ? sid : null;

    static bool HasNul(CsvReader reader, int index) => reader.GetSpan(index).IndexOf((byte)0) >= 0;

    /// <summary>The index of the first field holding a NUL byte, or -1.</summary>
    static int FirstNul(CsvReader reader)
    {
        for (var i = 0; i < reader.FieldCount; i++)
            if (HasNul(reader, i)) return i;
        return -1;
    }

    static void Drain(List<RowError> findings, RowErrorLog errors)
    {
        foreach (var finding in findings) errors.Add(finding);
        findings.Clear();
    }

    static string HeaderName(string name, int index) => name.Length == 0 ? $"#{index + 1}" : name;

    /// <summary>Reports bytes read, for progress by position in the file.</summary>
    sealed class CountingStream(Stream inner, Action<long> read) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => Report(inner.Read(buffer, offset, count));
        public override int Read(Span<byte> buffer) => Report(inner.Read(buffer));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Report(await inner.ReadAsync(buffer, ct));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        int Report(int n)
        {
            read(n);
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
