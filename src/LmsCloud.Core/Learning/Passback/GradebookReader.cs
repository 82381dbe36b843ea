using System.Globalization;
using System.Text.Json.Nodes;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Passback;

/// <summary>One page of a collection and how many objects match in all (the X-Total-Count header).</summary>
public sealed record GradebookPage(IReadOnlyList<JsonObject> Items, long Total);

/// <summary>Narrows a collection: to one shell, one class, and fixed field values (a path's line item or student).</summary>
public sealed record GradebookScope(Guid? ShellId = null, Guid? ClassId = null, IReadOnlyList<(string Field, string Value)>? Equal = null);

/// <summary>
/// Reads the OneRoster 1.2 Gradebook collections of the current district (<see cref="GradebookCollections"/>): filtered,
/// sorted and paged in SQL, shaped into the specification's JSON. Runs as the caller: RLS keeps it to the district,
/// and every statement names the district too ($1). Access (the client's scope) is the endpoint's.
/// </summary>
public sealed class GradebookReader(LmsDbContext db)
{
    public const string GradebookPath = "/ims/oneroster/gradebook/v1p2";
    public const string RosteringPath = "/ims/oneroster/rostering/v1p2";

    /// <summary>Our id of a class served by a shell, by its sourcedId; a refusal (404 unknownobject) when there is none.</summary>
    public async Task<Guid> ClassAsync(string classSourcedId, CancellationToken ct)
    {
        // By index: the class the SIS calls this (its sourcedId is the smallest of its external ids), or, for a class
        // made by hand, the one with this id; then it must be served by a shell.
        var rows = await RowsAsync("""
            select c.id as "_class" from classes c
            where c.tenant_id = $1 and c.status = 'active'
              and exists (select 1 from course_shell_classes sc where sc.tenant_id = $1 and sc.class_id = c.id)
              and c.id in (select x.internal_id from external_ids x
                           where x.tenant_id = $1 and x.entity_type = 'classes' and x.external_id = $4
                             and not exists (select 1 from external_ids y where y.tenant_id = $1 and y.internal_id = x.internal_id
                                             and y.entity_type = 'classes' and y.external_id < x.external_id)
                           union all
                           select $5 where not exists (select 1 from external_ids y where y.tenant_id = $1 and y.internal_id = $5 and y.entity_type = 'classes'))
            """, new GradebookScope(), [classSourcedId, Guid.TryParse(classSourcedId, out var id) ? id : Guid.Empty], ct);
        return rows.Count == 1 ? (Guid)rows[0]["_class"]! : throw GradebookRefusal.NotFound("Class");
    }

    /// <remarks>
    /// An unfiltered, unsorted district-wide page of a collection that counts by shell (results: millions in a large
    /// district) comes shell by shell, in shell order and by sourcedId within a shell: the counts say which shells the
    /// page falls in, and only those are read. Any other request is one query over the collection, by sourcedId.
    /// </remarks>
    public async Task<GradebookPage> ListAsync(Collection collection, GradebookQuery query, GradebookScope scope, string baseUrl, CancellationToken ct)
    {
        var keys = SelectedKeys(collection, query.Fields);
        if (collection.CountsByShell != null && scope is { ShellId: null, ClassId: null, Equal: null } && query is { Filter.Count: 0, Sort: null, Descending: false })
            return await ShellByShellAsync(collection, query, keys, baseUrl, ct);
        var parameters = new List<object>();
        var where = new List<string> { GradebookSql.Where(query, collection.Fields, parameters, 4) };
        foreach (var (field, value) in scope.Equal ?? [])
        {
            parameters.Add(value);
            where.Add($"r.\"{field}\" = ${3 + parameters.Count}");
        }
        var order = GradebookSql.OrderBy(query, collection.Fields);
        var condition = string.Join(" and ", where);
        // The costly columns are read for the page only, unless the filter or sort needs them on every row.
        var pageFields = collection.PageFields ?? [];
        var everyRow = query.Filter.Any(f => pageFields.Contains(f.Field)) || (query.Sort != null && pageFields.Contains(query.Sort))
            || (scope.Equal ?? []).Any(e => pageFields.Contains(e.Field));
        var source = everyRow ? collection.Complete : collection.Sql;
        // A delta pull (dateLastModified after a time, alone or ANDed) reads the content of what changed only. Each
        // filter predicate is one parameter from $4 on, so the time is the parameter the filter already holds.
        var since = query.Filter.Select((f, i) => (f, i)).Where(p => p.f.Field == "dateLastModified" && p.f.Operator is ">" or ">=" or "=")
            .Select(p => (int?)(4 + p.i)).FirstOrDefault();
        if (everyRow && collection.ChangedSince != null && query.Logic != "OR" && since != null)
            source = collection.WithPageColumns(collection.ChangedSince.Replace("{since}", $"${since}::timestamptz"));
        var total = (long)(await RowsAsync($"select count(*) as n from ({source}) r where {condition}", scope, parameters, ct))[0]["n"]!;
        var page = $"select r.* from ({source}) r where {condition} order by {order} limit {query.Limit} offset {query.Offset}";
        var rows = await RowsAsync(everyRow ? page : $"select r.* from ({collection.WithPageColumns(page)}) r order by {order}", scope, parameters, ct);
        return new GradebookPage(rows.Select(r => Shape(collection, r, keys, baseUrl)).ToList(), total);
    }

    async Task<GradebookPage> ShellByShellAsync(Collection collection, GradebookQuery query, IReadOnlyList<string> keys, string baseUrl, CancellationToken ct)
    {
        var counts = (await RowsAsync(collection.CountsByShell!, new GradebookScope(), [], ct)).Select(r => ((Guid)r["shell_id"]!, (long)r["n"]!)).ToList();
        var items = new List<JsonObject>();
        long skip = query.Offset;
        foreach (var (shell, n) in counts)
        {
            if (items.Count == query.Limit) break;
            if (skip >= n) { skip -= n; continue; }
            var page = $"select r.* from ({collection.Sql}) r order by r.\"sourcedId\" limit {query.Limit - items.Count} offset {skip}";
            var rows = await RowsAsync($"select r.* from ({collection.WithPageColumns(page)}) r order by r.\"sourcedId\"", new GradebookScope(ShellId: shell), [], ct);
            items.AddRange(rows.Select(r => Shape(collection, r, keys, baseUrl)));
            skip = 0;
        }
        return new GradebookPage(items, counts.Sum(c => c.Item2));
    }

    /// <summary>One object by sourcedId within the scope, or a refusal (404 unknownobject).</summary>
    public async Task<JsonObject> GetAsync(Collection collection, string sourcedId, GradebookScope scope, IReadOnlyList<string>? fields, string baseUrl,
        CancellationToken ct)
    {
        var keys = SelectedKeys(collection, fields);
        var rows = await RowsAsync($"select r.* from ({collection.WithPageColumns($"select r.* from ({collection.Sql}) r where r.\"sourcedId\" = $4")}) r",
            scope, [sourcedId], ct);
        return rows.Count == 1 ? Shape(collection, rows[0], keys, baseUrl) : throw GradebookRefusal.NotFound(Title(collection.Singular));
    }

    /// <summary>Every row of a collection in the scope, as column → value (the CSV export and its hashes).</summary>
    public Task<List<Dictionary<string, object?>>> AllAsync(Collection collection, GradebookScope scope, CancellationToken ct) =>
        RowsAsync($"select r.* from ({collection.Complete}) r order by r.\"sourcedId\"", scope, [], ct);

    /// <summary>Whether a person with this sourcedId (or, without one, this id) exists in the district.</summary>
    public async Task<bool> StudentExistsAsync(string sourcedId, CancellationToken ct) =>
        (await RowsAsync("""
            select 1 as x where exists (select 1 from external_ids x where x.tenant_id = $1 and x.entity_type = 'users' and x.external_id = $4)
               or exists (select 1 from users u where u.tenant_id = $1 and u.id = $5
                          and not exists (select 1 from external_ids x where x.tenant_id = $1 and x.internal_id = u.id and x.entity_type = 'users'))
            """, new GradebookScope(), [sourcedId, Guid.TryParse(sourcedId, out var id) ? id : Guid.Empty], ct)).Count > 0;

    async Task<List<Dictionary<string, object?>>> RowsAsync(string sql, GradebookScope scope, IReadOnlyList<object> parameters, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        cmd.Parameters.AddWithValue(db.TenantId ?? throw new InvalidOperationException("No district."));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)scope.ShellId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)scope.ClassId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(ct))
        {
            var row = new Dictionary<string, object?>(reader.FieldCount);
            for (var i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    static IReadOnlyList<string> SelectedKeys(Collection collection, IReadOnlyList<string>? fields)
    {
        if (fields == null) return collection.Keys;
        var unknown = fields.Where(f => !collection.Keys.Contains(f)).ToList();
        if (unknown.Count > 0)
            throw new GradebookRefusal(400, "invalid_selection_field",
                $"Not a field of a {collection.Singular}: {string.Join(", ", unknown)}; fields: {string.Join(", ", collection.Keys)}.");
        return collection.Keys.Where(fields.Contains).ToList();
    }

    /// <summary>A row as the specification's JSON object, with only the selected keys.</summary>
    public static JsonObject Shape(Collection collection, IReadOnlyDictionary<string, object?> row, IReadOnlyList<string> keys, string baseUrl)
    {
        var o = new JsonObject();
        foreach (var key in keys)
        {
            if (key == "scoreScaleValue") { o[key] = ScaleValues(); continue; }
            if (References.TryGetValue(key, out var reference))
            {
                o[key] = row.GetValueOrDefault(key + ".sourcedId") is string sid
                    ? new JsonObject { ["href"] = $"{baseUrl}{reference.Path}/{Uri.EscapeDataString(sid)}", ["sourcedId"] = sid, ["type"] = reference.Type }
                    : null;
                continue;
            }
            o[key] = row.GetValueOrDefault(key) switch
            {
                null => null,
                DateTime t => JsonValue.Create(Stamp(t)),
                decimal d => JsonValue.Create(d),
                var v => JsonValue.Create(Convert.ToString(v, CultureInfo.InvariantCulture)),
            };
        }
        return o;
    }

    /// <summary>ISO 8601 in UTC with milliseconds, as OneRoster writes date-times.</summary>
    public static string Stamp(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The ladder as score-scale values: each letter covers [its minimum, the next letter's minimum) in percent, the top one up to 100.</summary>
    static JsonArray ScaleValues()
    {
        var scheme = GradeDescription.DefaultScheme.OrderByDescending(e => e.MinPercent).ToList();
        var values = new JsonArray();
        for (var i = 0; i < scheme.Count; i++)
            values.Add(new JsonObject
            {
                ["itemValueLHS"] = scheme[i].MinPercent.ToString(CultureInfo.InvariantCulture),
                ["itemValueRHS"] = (i == 0 ? 100m : scheme[i - 1].MinPercent).ToString(CultureInfo.InvariantCulture),
                ["value"] = scheme[i].Letter,
            });
        return values;
    }

    static readonly Dictionary<string, (string Path, string Type)> References = new()
    {
        ["class"] = (RosteringPath + "/classes", "class"),
        ["school"] = (RosteringPath + "/schools", "org"),
        ["course"] = (RosteringPath + "/courses", "course"),
        ["student"] = (RosteringPath + "/students", "user"),
        ["category"] = (GradebookPath + "/categories", "category"),
        ["lineItem"] = (GradebookPath + "/lineItems", "lineItem"),
    };

    static string Title(string singular) => singular switch
    {
        "lineItem" => "Line item", "scoreScale" => "Score scale", "category" => "Category", "result" => "Result", _ => singular,
    };
}
