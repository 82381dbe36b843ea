using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;
using Npgsql;

namespace LmsCloud.Core.Compliance.Export;

/// <summary>
/// Writes the district's roster as a OneRoster 1.2 CSV package, each file to the stream <c>createFile(name)</c> gives, and
/// names the files with their record counts. The host passes <c>LmsCloud.Sis.Export.OneRosterExport.WriteAsync</c> (Core
/// does not reference the SIS engine).
/// </summary>
public delegate Task<IReadOnlyList<(string FileName, long Records)>> RosterPackageWriter(NpgsqlConnection connection, Func<string, Stream> createFile,
    CancellationToken ct);

/// <summary>
/// What is exported: one person of the district (<see cref="PersonId"/>), or the whole district (null);
/// <see cref="DisclosureLogOnly"/>: only the person's disclosure log (a <c>disclosure_log</c> request).
/// </summary>
public sealed record ExportScope(Guid TenantId, string DistrictSlug, string DistrictName, Guid RequestId, Guid? PersonId, bool DisclosureLogOnly = false)
{
    /// <summary>The manifest's <c>kind</c>.</summary>
    public string Kind => DisclosureLogOnly ? "disclosure_log" : PersonId == null ? "district" : "person";
}

/// <summary>How far the writer is: parts (tables and files) done of the total, and rows written so far.</summary>
public sealed record ExportProgress(int PartsDone, int PartsTotal, long RowsWritten)
{
    public int Percent => PartsTotal == 0 ? 0 : Math.Min(100, PartsDone * 100 / PartsTotal);
}

/// <summary>One file of the zip as the manifest lists it.</summary>
public sealed record ManifestFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("records")] long Records);

/// <summary>The parts (one per table, plus the disclosure log, the OneRoster package and the index) and the files written.</summary>
public sealed record ExportResult(IReadOnlyList<PartOutcome> Parts, IReadOnlyList<ManifestFile> Files)
{
    public bool Succeeded => Parts.Count > 0 && Parts.All(p => p.Succeeded);
}

/// <summary>
/// Writes a compliance export as a zip, streamed: rows are read with a data reader and written to the zip entry as they
/// come, so memory stays flat whatever the district's size (docs/compliance.md, Exports). Layout: <c>data/{table}.json</c>
/// and <c>csv/{table}.csv</c> for every data map entry (a person export: the person's rows by
/// <see cref="DataMapEntry.PersonRowsSql"/>; a district export: every row of the district), <c>disclosure-log.*</c>,
/// <c>data-dictionary.json</c>, <c>oneroster/</c> (district exports), <c>index.html</c>, then <c>manifest.json</c>
/// (every file's SHA-256, bytes and records) and <c>manifest.sig</c> (ES256 over the manifest's bytes). A disclosure
/// log has only <c>disclosure-log.*</c>, <c>index.html</c> and the signed manifest.
/// Everything is read in one repeatable-read snapshot; a table that cannot be read is a failed part (its files are
/// left out, the other parts go on), and the caller fails the request.
/// </summary>
public static class ExportWriter
{
    public const int SchemaVersion = 1;

    /// <summary>Audit actions that record a read or a disclosure of a person's record (FERPA §99.32): the disclosure log.</summary>
    public const string DisclosureCondition = "(action like '%.viewed' or action like '%.downloaded' or action like '%.disclosed')";

    static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <param name="connection">An open tenant session (<see cref="Database.TenantSession"/>) of the district, not in a transaction.</param>
    /// <param name="roster">Writes the OneRoster package of a district export (required for one).</param>
    /// <param name="onProgress">Called after each part (and every 10,000 rows); it must not use <paramref name="connection"/>.</param>
    public static async Task<ExportResult> WriteAsync(NpgsqlConnection connection, ExportScope scope, Stream output, PlatformKeys keys,
        DateTimeOffset generatedAt, RosterPackageWriter? roster = null, Func<ExportProgress, Task>? onProgress = null, IReadOnlyList<DataMapEntry>? entries = null,
        CancellationToken ct = default)
    {
        entries ??= DataMap.Entries;
        if (scope.DisclosureLogOnly && scope.PersonId == null) throw new ArgumentException("A disclosure log is of one person.", nameof(scope));
        var tables = scope.DisclosureLogOnly ? [] : entries.Where(e => scope.PersonId == null || e.PersonRowsSql() != null).ToList();
        var parts = new List<PartOutcome>();
        var files = new List<ManifestFile>();
        var total = tables.Count + 2 + (scope.PersonId == null ? 1 : 0); // + disclosure log, dictionary and index; + OneRoster
        long rows = 0;
        async Task Report() { if (onProgress != null) await onProgress(new ExportProgress(parts.Count, total, rows)); }

        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await Execute(connection, tx, "set local timezone = 'UTC'", ct);
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            await Report();
            foreach (var entry in tables)
            {
                var where = scope.PersonId == null ? "true" : entry.PersonRowsSql()!;
                var select = $"select {string.Join(", ", entry.Exported)} from {entry.Table} where {where}";
                var (ok, error, count) = await TablePartAsync(zip, connection, tx, entry.Table, entry.Exported, select, scope.PersonId, files,
                    n => { rows += n; return n % 10_000 == 0 ? Report() : Task.CompletedTask; }, ct);
                parts.Add(new PartOutcome($"table {entry.Table}", ok, error));
                await Report();
            }

            string[] auditColumns = ["seq", "occurred_at", "actor_type", "actor_id", "real_actor_id", "action", "entity_type", "entity_id",
                "subject_user_id", "reason", "request_id", "client_address"];
            var disclosures = $"select {string.Join(", ", auditColumns)} from audit_events where {DisclosureCondition}" +
                              (scope.PersonId == null ? "" : " and subject_user_id = $1") + " order by seq";
            var log = await TablePartAsync(zip, connection, tx, "disclosure-log", auditColumns, disclosures, scope.PersonId, files,
                n => { rows += n; return Task.CompletedTask; }, ct, root: true);
            parts.Add(new PartOutcome("disclosure log", log.Ok, log.Error));
            await Report();

            if (scope.PersonId == null)
            {
                parts.Add(await OneRosterPartAsync(zip, connection, tx, files, roster, ct));
                await Report();
            }

            if (!scope.DisclosureLogOnly)
                using (var dictionary = new HashingEntry(zip, "data-dictionary.json", files))
                {
                    await JsonSerializer.SerializeAsync(dictionary, DataDictionary(entries), Json, ct);
                    dictionary.Records = entries.Count;
                }
            using (var index = new HashingEntry(zip, "index.html", files))
            {
                var html = Encoding.UTF8.GetBytes(IndexHtml(scope, generatedAt, files, parts));
                await index.WriteAsync(html, ct);
                index.Records = files.Count - 1; // the files it lists (not itself)
            }
            parts.Add(new PartOutcome(scope.DisclosureLogOnly ? "index" : "data dictionary and index", true));

            var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["schema_version"] = SchemaVersion,
                ["kind"] = scope.Kind,
                ["district"] = new Dictionary<string, object> { ["id"] = scope.TenantId, ["slug"] = scope.DistrictSlug, ["name"] = scope.DistrictName },
                ["request_id"] = scope.RequestId,
                ["subject"] = scope.PersonId is { } person ? new Dictionary<string, object> { ["user_id"] = person } : null,
                ["generated_at"] = generatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["files"] = files,
            }, Json);
            await WriteEntryAsync(zip, ExportLayout.Manifest, manifest, ct);
            await WriteEntryAsync(zip, ExportLayout.Signature, JsonSerializer.SerializeToUtf8Bytes(keys.Sign(manifest), Json), ct);
            await Report();
        }
        await tx.CommitAsync(ct);
        return new ExportResult(parts, files);
    }

    /// <summary>
    /// One table as <c>data/{name}.json</c> and <c>csv/{name}.csv</c> (or at the root), read twice in the same snapshot:
    /// a zip being written holds one open entry at a time. Values come from PostgreSQL's own JSON (<c>row_to_json</c>)
    /// so types keep their form (numbers, booleans, ISO-8601 times in UTC, arrays, jsonb), and the CSV has the same text.
    /// </summary>
    static async Task<(bool Ok, string? Error, long Rows)> TablePartAsync(ZipArchive zip, NpgsqlConnection conn, NpgsqlTransaction tx, string name,
        IReadOnlyList<string> columns, string select, Guid? person, List<ManifestFile> files, Func<long, Task> onRow, CancellationToken ct,
        bool root = false)
    {
        var jsonPath = root ? $"{name}.json" : $"data/{name}.json";
        var csvPath = root ? $"{name}.csv" : $"csv/{name}.csv";
        await using var savepoint = new Savepoint(tx, ct);
        try
        {
            long count = 0;
            // The files of a part go to the manifest only when the whole part succeeded.
            var written = new List<ManifestFile>();
            using (var json = new HashingEntry(zip, jsonPath, written))
            {
                await using var cmd = Command(conn, tx, $"select row_to_json(t)::text from ({select}) t", person);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                json.Write("[\n"u8);
                while (await reader.ReadAsync(ct))
                {
                    if (count > 0) json.Write(",\n"u8);
                    json.Write(Encoding.UTF8.GetBytes(reader.GetString(0)));
                    count++;
                    await onRow(count);
                }
                json.Write(count == 0 ? "]\n"u8 : "\n]\n"u8);
                json.Records = count;
            }
            using (var csvEntry = new HashingEntry(zip, csvPath, written))
            {
                await using (var csv = CsvWriter.Create(csvEntry, CsvOptions, leaveOpen: true))
                {
                    csv.WriteHeader([.. columns]);
                    // Each value as the text of its JSON form: strings as they are, times in ISO-8601, arrays and jsonb as JSON.
                    var texts = string.Join(", ", columns.Select(c => $"to_json({c}) #>> '{{}}'"));
                    await using var cmd = Command(conn, tx, $"select {texts} from ({select}) t", person);
                    await using var reader = await cmd.ExecuteReaderAsync(ct);
                    long csvRows = 0;
                    while (await reader.ReadAsync(ct))
                    {
                        for (var i = 0; i < columns.Count; i++) csv.WriteField(reader.IsDBNull(i) ? null : reader.GetString(i));
                        await csv.EndRecordAsync(ct);
                        csvRows++;
                    }
                    if (csvRows != count) throw new InvalidOperationException($"{name}: {count} rows in JSON, {csvRows} in CSV in one snapshot");
                }
                csvEntry.Records = count;
            }
            files.AddRange(written);
            await savepoint.ReleaseAsync();
            return (true, null, count);
        }
        catch (PostgresException e)
        {
            await savepoint.RollbackAsync();
            return (false, $"{e.SqlState}: {e.MessageText}", 0);
        }
    }

    static async Task<PartOutcome> OneRosterPartAsync(ZipArchive zip, NpgsqlConnection conn, NpgsqlTransaction tx, List<ManifestFile> files,
        RosterPackageWriter? roster, CancellationToken ct)
    {
        if (roster == null) return new PartOutcome("oneroster", false, "no OneRoster writer was given");
        var written = new List<ManifestFile>();
        HashingEntry? open = null;
        await using var savepoint = new Savepoint(tx, ct);
        try
        {
            var package = await roster(conn, name =>
            {
                open?.Dispose(); // one open entry at a time: a new file closes the one before
                return open = new HashingEntry(zip, $"oneroster/{name}", written);
            }, ct);
            open?.Dispose();
            foreach (var file in package)
            {
                var i = written.FindIndex(f => f.Path == $"oneroster/{file.FileName}");
                if (i < 0) throw new InvalidOperationException($"the OneRoster export reported {file.FileName} but wrote no such file");
                written[i] = written[i] with { Records = file.Records };
            }
            files.AddRange(written);
            await savepoint.ReleaseAsync();
            return new PartOutcome("oneroster", true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            open?.Dispose();
            await savepoint.RollbackAsync();
            return new PartOutcome("oneroster", false, e.Message);
        }
    }

    static object DataDictionary(IReadOnlyList<DataMapEntry> entries) => new Dictionary<string, object>
    {
        ["schema_version"] = SchemaVersion,
        ["tables"] = entries.Select(e => new Dictionary<string, object?>
        {
            ["table"] = e.Table,
            ["category"] = e.Category.ToString(),
            ["holds"] = e.Holds,
            ["person_keys"] = e.PersonKeys.Select(k => new { column = k.Column, kind = k.Kind.ToString(), meaning = k.Meaning }),
            ["columns"] = e.Exported,
            ["withheld"] = e.Withheld.Select(w => new { column = w.Column, why = w.Why }),
            ["erasure"] = new { method = e.Erasure.Method.ToString(), how = e.Erasure.How },
            ["retention"] = new
            {
                period = e.Retention.Period,
                counts_from = e.Retention.CountsFrom.ToString(),
                floors = e.Retention.Floors.Select(f => new { period = f.Period, counts_from = f.CountsFrom.ToString(), why = f.Why }),
            },
        }).ToList(),
        ["disclosure_log"] = "Audit events that record a read or disclosure of the person's record: actions ending in .viewed, .downloaded or .disclosed.",
    };

    static string IndexHtml(ExportScope scope, DateTimeOffset generatedAt, IReadOnlyList<ManifestFile> files, IReadOnlyList<PartOutcome> parts)
    {
        static string H(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        var title = scope.DisclosureLogOnly ? "Disclosure log" : "Data export";
        html.Append($"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>")
            .Append("</head><body>\n")
            .Append($"<h1>{title}: {H(scope.DistrictName)}</h1>\n<p>")
            .Append(scope.PersonId is { } person ? $"Person {H(person.ToString())}" : "The whole district")
            .Append($", request {H(scope.RequestId.ToString())}, generated {H(generatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture))}.</p>\n")
            .Append("<p>Every file's SHA-256 is in manifest.json, signed in manifest.sig. ")
            .Append(scope.DisclosureLogOnly
                ? "disclosure-log.json and disclosure-log.csv list every time the record was viewed, downloaded or disclosed: when (occurred_at), " +
                  "by whom (actor_type, actor_id, real_actor_id when acting for someone), what (action, entity_type, entity_id) and why (reason).</p>\n"
                : "The columns and their meaning are in <a href=\"data-dictionary.json\">data-dictionary.json</a>.</p>\n")
            .Append("<table><thead><tr><th>File</th><th>Records</th><th>Bytes</th></tr></thead><tbody>\n");
        foreach (var f in files)
            html.Append($"<tr><td><a href=\"{H(f.Path)}\">{H(f.Path)}</a></td><td>{f.Records}</td><td>{f.Bytes}</td></tr>\n");
        html.Append("</tbody></table>\n");
        if (parts.Any(p => !p.Succeeded))
            html.Append("<p><strong>Incomplete:</strong> ").Append(H(string.Join("; ", parts.Where(p => !p.Succeeded).Select(p => $"{p.Part}: {p.Error}"))))
                .Append("</p>\n");
        return html.Append("</body></html>\n").ToString();
    }

    static async Task WriteEntryAsync(ZipArchive zip, string path, byte[] bytes, CancellationToken ct)
    {
        await using var stream = zip.CreateEntry(path, CompressionLevel.Optimal).Open();
        await stream.WriteAsync(bytes, ct);
    }

    static NpgsqlCommand Command(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Guid? person)
    {
        var cmd = new NpgsqlCommand(sql, conn, tx);
        if (person is { } id && sql.Contains("$1", StringComparison.Ordinal)) cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        return cmd;
    }

    static async Task Execute(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A savepoint, so one part that fails (a table the role may not read) leaves the snapshot usable for the rest.</summary>
    sealed class Savepoint : IAsyncDisposable
    {
        readonly NpgsqlTransaction _tx;
        readonly string _name = $"part_{Guid.NewGuid():N}";
        bool _done;

        public Savepoint(NpgsqlTransaction tx, CancellationToken ct)
        {
            _tx = tx;
            tx.Save(_name);
        }

        public async Task ReleaseAsync() { await _tx.ReleaseAsync(_name); _done = true; }

        public async Task RollbackAsync() { await _tx.RollbackAsync(_name); _done = true; }

        public async ValueTask DisposeAsync()
        {
            if (!_done) await _tx.RollbackAsync(_name);
        }
    }

    /// <summary>A zip entry written through SHA-256 and a byte count; on dispose it adds its <see cref="ManifestFile"/>.</summary>
    sealed class HashingEntry(ZipArchive zip, string path, List<ManifestFile> files) : Stream
    {
        readonly Stream _inner = zip.CreateEntry(path, CompressionLevel.Optimal).Open();
        readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long _bytes;
        bool _disposed;

        public long Records { get; set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _bytes += buffer.Length;
            _inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span); // a zip entry being created writes synchronously to its file anyway
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _inner.Dispose();
                files.Add(new ManifestFile(path, Convert.ToHexStringLower(_hash.GetHashAndReset()), _bytes, Records));
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _bytes;
        public override long Position { get => _bytes; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>The fixed names of an export zip.</summary>
public static class ExportLayout
{
    public const string Manifest = "manifest.json";
    public const string Signature = "manifest.sig";
}
