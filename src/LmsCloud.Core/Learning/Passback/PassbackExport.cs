using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Passback;

/// <summary>The zip, and how many rows of each file it carries (tobedeleted rows included).</summary>
public sealed record PassbackPackage(byte[] Zip, int Categories, int LineItems, int Results, int Deleted);

/// <summary>
/// A shell's grades as OneRoster 1.2 CSV gradebook files (manifest.csv, categories.csv, lineItems.csv, results.csv in
/// a zip), the same objects the REST provider serves, and the passback state of each of its classes: the SHA-256 of
/// every row sent (dateLastModified left out, so a recompute that changes nothing sends nothing). A full export is a
/// bulk package and replaces the state; <c>changedOnly</c> is a delta package with only the rows whose hash differs
/// from the last one sent, plus a tobedeleted row for each object sent before that no longer exists (an assignment
/// unpublished, a student who left the class). The package and the state commit in one transaction.
/// </summary>
public sealed class PassbackExport(LmsDbContext db, ShellAccess access, GradebookReader reader, AuditLog audit, AuditContext context, TimeProvider clock)
{
    static readonly string[] CategoriesHeader = ["sourcedId", "status", "dateLastModified", "title", "weight"];
    static readonly string[] LineItemsHeader = ["sourcedId", "status", "dateLastModified", "title", "description", "assignDate", "dueDate",
        "classSourcedId", "categorySourcedId", "gradingPeriodSourcedId", "resultValueMin", "resultValueMax", "schoolSourcedId"];
    static readonly string[] ResultsHeader = ["sourcedId", "status", "dateLastModified", "lineItemSourcedId", "studentSourcedId", "scoreStatus",
        "score", "scoreDate", "comment", "classSourcedId", "textScore", "inProgress", "incomplete", "late", "missing"];

    /// <summary>One object of the package: its state key, its CSV cells and their hash.</summary>
    sealed record Row(Guid ClassId, string Type, string SourcedId, Guid? StudentId, string[] Cells)
    {
        public string Hash { get; } = HashOf(Cells);
    }

    public async Task<PassbackPackage> ExportAsync(ShellViewer viewer, Guid shellId, bool changedOnly, CancellationToken ct)
    {
        await PassbackAccess.EditableAsync(access, viewer, shellId, ct);
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var scope = new GradebookScope(ShellId: shellId);
        var classes = (await reader.AllAsync(new Collection("classes", "class", GradebookCollections.ServedClasses, [], []), scope, ct))
            .Select(r => (Guid)r["_class"]!).ToArray();
        var categories = await reader.AllAsync(GradebookCollections.Categories, scope, ct);
        var lineItems = await reader.AllAsync(GradebookCollections.LineItems, scope, ct);
        var results = await reader.AllAsync(GradebookCollections.Results, scope, ct);

        // Categories belong to the shell, so each of its classes is sent each of them (a SIS keeps categories per section).
        var current = new List<Row>();
        foreach (var c in classes)
            current.AddRange(categories.Select(r => new Row(c, "category", (string)r["sourcedId"]!, null,
                [S(r, "sourcedId"), S(r, "status"), S(r, "dateLastModified"), S(r, "title"), S(r, "weight")])));
        current.AddRange(lineItems.Select(r => new Row((Guid)r["_class"]!, "lineItem", (string)r["sourcedId"]!, null,
            [S(r, "sourcedId"), S(r, "status"), S(r, "dateLastModified"), S(r, "title"), S(r, "description"), S(r, "assignDate"), S(r, "dueDate"),
             S(r, "class.sourcedId"), S(r, "category.sourcedId"), "", S(r, "resultValueMin"), S(r, "resultValueMax"), S(r, "school.sourcedId")])));
        current.AddRange(results.Select(r => new Row((Guid)r["_class"]!, "result", (string)r["sourcedId"]!, (Guid)r["_student"]!,
            [S(r, "sourcedId"), S(r, "status"), S(r, "dateLastModified"), S(r, "lineItem.sourcedId"), S(r, "student.sourcedId"), S(r, "scoreStatus"),
             S(r, "score"), S(r, "scoreDate"), S(r, "comment"), S(r, "class.sourcedId"), S(r, "textScore"), S(r, "inProgress"), S(r, "incomplete"),
             S(r, "late"), S(r, "missing")])));

        var state = await db.Database.SqlQuery<StateRow>($"""
            select class_id as "ClassId", object_type as "Type", sourced_id as "SourcedId", content_hash as "Hash"
            from passback_state where tenant_id = {Tenant} and class_id = any ({classes})
            """).ToListAsync(ct);
        var sentHashes = state.ToDictionary(s => (s.ClassId, s.Type, s.SourcedId), s => s.Hash);
        var currentKeys = current.Select(r => (r.ClassId, r.Type, r.SourcedId)).ToHashSet();
        var send = changedOnly ? current.Where(r => sentHashes.GetValueOrDefault((r.ClassId, r.Type, r.SourcedId)) != r.Hash).ToList() : current;
        var gone = state.Where(s => !currentKeys.Contains((s.ClassId, s.Type, s.SourcedId))).ToList();

        var now = GradebookReader.Stamp(clock.GetUtcNow().UtcDateTime);
        string[] Deleted(StateRow s, int columns) => [s.SourcedId, "tobedeleted", now, .. Enumerable.Repeat("", columns - 3)];
        // A category goes out once however many classes changed; in a bulk package what is absent is deleted anyway.
        var categoryRows = Distinct(send.Where(r => r.Type == "category").Select(r => r.Cells)
            .Concat(changedOnly ? gone.Where(s => s.Type == "category").Select(s => Deleted(s, CategoriesHeader.Length)) : []));
        var lineItemRows = send.Where(r => r.Type == "lineItem").Select(r => r.Cells)
            .Concat(changedOnly ? gone.Where(s => s.Type == "lineItem").Select(s => Deleted(s, LineItemsHeader.Length)) : []).ToList();
        var resultRows = send.Where(r => r.Type == "result").Select(r => r.Cells)
            .Concat(changedOnly ? gone.Where(s => s.Type == "result").Select(s => Deleted(s, ResultsHeader.Length)) : []).ToList();

        var zip = Zip(changedOnly ? "delta" : "bulk", categoryRows, lineItemRows, resultRows);
        await RecordAsync(send, gone, ct);
        await audit.WriteAsync(new AuditEntry("passback.exported", "course_shell", shellId.ToString(),
            After: new { changedOnly, categories = categoryRows.Count, lineItems = lineItemRows.Count, results = resultRows.Count, deleted = gone.Count },
            Actor: context.Actor.Type == AuditActor.Anonymous.Type && viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);
        await tx.CommitAsync(ct);
        return new PassbackPackage(zip, categoryRows.Count, lineItemRows.Count, resultRows.Count, changedOnly ? gone.Count : 0);
    }

    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    /// <summary>The state after sending: one delete and one upsert, whatever the number of rows.</summary>
    async Task RecordAsync(IReadOnlyList<Row> sent, IReadOnlyList<StateRow> gone, CancellationToken ct)
    {
        var tenant = Tenant;
        if (gone.Count > 0)
        {
            var (gc, gt, gs) = (gone.Select(g => g.ClassId).ToArray(), gone.Select(g => g.Type).ToArray(), gone.Select(g => g.SourcedId).ToArray());
            await db.Database.ExecuteSqlAsync($"""
                delete from passback_state p using unnest({gc}::uuid[], {gt}::text[], {gs}::text[]) as g(class_id, object_type, sourced_id)
                where p.tenant_id = {tenant} and p.class_id = g.class_id and p.object_type = g.object_type and p.sourced_id = g.sourced_id
                """, ct);
        }
        if (sent.Count == 0) return;
        var classes = sent.Select(r => r.ClassId).ToArray();
        var types = sent.Select(r => r.Type).ToArray();
        var ids = sent.Select(r => r.SourcedId).ToArray();
        var students = sent.Select(r => r.StudentId).ToArray();
        var hashes = sent.Select(r => r.Hash).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            insert into passback_state (tenant_id, class_id, object_type, sourced_id, student_id, content_hash, sent_at)
            select {tenant}, x.class_id, x.object_type, x.sourced_id, x.student_id, x.content_hash, now()
            from unnest({classes}::uuid[], {types}::text[], {ids}::text[], {students}::uuid[], {hashes}::text[])
                 as x(class_id, object_type, sourced_id, student_id, content_hash)
            on conflict (tenant_id, class_id, object_type, sourced_id) do update
              set content_hash = excluded.content_hash, student_id = excluded.student_id, sent_at = excluded.sent_at
            """, ct);
    }

    static byte[] Zip(string mode, IReadOnlyList<string[]> categories, IReadOnlyList<string[]> lineItems, IReadOnlyList<string[]> results)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var written = new[] { "categories", "lineItems", "results" };
            var manifest = new List<string[]> { new[] { "manifest.version", "1.0" }, new[] { "oneroster.version", "1.2" } };
            foreach (var file in ManifestFiles) manifest.Add(["file." + file, written.Contains(file) ? mode : "absent"]);
            manifest.Add(["source.systemCode", "lmscloud"]);
            Write(zip, "manifest.csv", ["propertyName", "value"], manifest);
            Write(zip, "categories.csv", CategoriesHeader, categories);
            Write(zip, "lineItems.csv", LineItemsHeader, lineItems);
            Write(zip, "results.csv", ResultsHeader, results);
        }
        return buffer.ToArray();
    }

    /// <summary>The file types of the OneRoster 1.2 manifest (the same list the roster export declares).</summary>
    static readonly string[] ManifestFiles = ["academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics",
        "enrollments", "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
        "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"];

    static void Write(ZipArchive zip, string name, string[] header, IEnumerable<string[]> rows)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.NewLine = "\n";
        writer.WriteLine(string.Join(',', header.Select(Quote)));
        foreach (var row in rows) writer.WriteLine(string.Join(',', row.Select(Quote)));
    }

    /// <summary>RFC 4180 quoting. No spreadsheet-formula escaping: the file is a SIS's input, and an apostrophe would change its values.</summary>
    static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    static List<string[]> Distinct(IEnumerable<string[]> rows) =>
        rows.GroupBy(r => r[0]).Select(g => g.First()).ToList();

    /// <summary>A cell as OneRoster CSV writes it: date-times ISO 8601 UTC, numbers invariant, nothing for null.</summary>
    static string S(IReadOnlyDictionary<string, object?> row, string column) => row.GetValueOrDefault(column) switch
    {
        null => "",
        DateTime t => GradebookReader.Stamp(t),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        var v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>SHA-256 (hex) of the cells except dateLastModified (the third), separated by a unit separator.</summary>
    static string HashOf(string[] cells) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', cells.Where((_, i) => i != 2))))).ToLowerInvariant();

    sealed record StateRow(Guid ClassId, string Type, string SourcedId, string Hash);
}

/// <summary>The export and the warnings are for the people who may edit the shell: 404 when it is not visible, 403 when read-only.</summary>
static class PassbackAccess
{
    public static async Task EditableAsync(ShellAccess access, ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("Only the course's teachers and administrators may send its grades to the SIS.")
                : ShellRefusal.NotFound("Course");
    }
}
