using LmsCloud.Core.Compliance;
using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// The data map (src/LmsCloud.Core/Compliance/DataMap.cs) against the migrated catalog, and docs/data-map.md against the
/// map. A table added with a person key and no entry fails here, naming the table.
/// </summary>
public sealed class DataMapTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    const string RegenerateHint = "LMS_WRITE_DATA_MAP=1 dotnet test tests/LmsCloud.Tests --filter DataMap";

    [Fact]
    public async Task Every_table_holding_a_person_key_is_mapped_and_every_entry_names_real_tables_and_columns()
    {
        await using var conn = await db.OpenAsTenantAsync(null); // the application role reads the catalog like anyone
        var problems = await DataMapCoverage.ProblemsAsync(conn, DataMap.Entries);
        Assert.True(problems.Count == 0, "The data map is out of step with the schema:\n" + string.Join("\n", problems));
        // The rule finds what it should: these hold people, and each is mapped.
        foreach (var table in new[] { "users", "enrollments", "demographics", "guardian_links", "external_ids", "audit_events", "openiddict_tokens",
                     "sso_links", "import_changes", "compliance_requests", "compliance_request_events" })
            Assert.NotNull(DataMap.Find(table));
    }

    [Fact]
    public async Task The_check_names_an_unmapped_table_an_unlisted_person_column_and_entries_that_name_nothing()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the schema is left as it was
        await using (var cmd = new NpgsqlCommand("""
            create table scratch_grades (tenant_id uuid not null, id uuid not null, user_id uuid, score int, primary key (tenant_id, id));
            create table scratch_notes (tenant_id uuid not null, id uuid not null, author uuid not null, primary key (tenant_id, id),
                                        foreign key (tenant_id, author) references users (tenant_id, id));
            create table scratch_schools (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id));
            alter table enrollments add column grader_user_id uuid;
            alter table users add column nickname text;
            """, conn, tx))
            await cmd.ExecuteNonQueryAsync();

        var users = DataMap.Find("users")!;
        var entries = DataMap.Entries.Where(e => e.Table != "users")
            .Append(users with { Exported = [.. users.Exported, "password_hash", "shoe_size"] })
            .Append(users with { Table = "no_such_table" })
            .ToList();
        var problems = await DataMapCoverage.ProblemsAsync(conn, entries, tx);

        Assert.Contains(problems, p => p.StartsWith("scratch_grades: holds person keys (user_id) but has no entry"));
        Assert.Contains(problems, p => p.StartsWith("scratch_notes: holds person keys (author)")); // by its foreign key to users
        Assert.DoesNotContain(problems, p => p.StartsWith("scratch_schools")); // no person key: the district's own record
        Assert.Contains("enrollments.grader_user_id: a person key the data map's entry does not list among its person keys", problems);
        Assert.Contains("enrollments.grader_user_id: neither exported nor withheld (with a reason) by the data map", problems);
        Assert.Contains("users.nickname: neither exported nor withheld (with a reason) by the data map", problems);
        Assert.Contains("users.password_hash: a secret, exported by the data map", problems);
        Assert.Contains("users.password_hash: both exported and withheld", problems);
        Assert.Contains("users.shoe_size: named by the data map, but users has no such column", problems);
        Assert.Contains("no_such_table: in the data map, but no such table exists", problems);
        Assert.Equal(9, problems.Count);
    }

    [Fact]
    public async Task The_excluded_platform_tables_exist_and_hold_no_person_key()
    {
        await using var conn = await db.OpenAsTenantAsync(null);
        var tables = await RlsCatalog.ListAsync(conn, """
            select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1
            """);
        foreach (var excluded in DataMap.Excluded)
            Assert.Contains(tables, t => excluded.Table.EndsWith('*') ? t.StartsWith(excluded.Table[..^1]) : t == excluded.Table);
        // Excluded because they hold nobody: were one to gain a person column, it would need an entry instead.
        var columns = await RlsCatalog.ListAsync(conn, """
            select c.relname || '.' || a.attname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1
            """);
        var excludedColumns = columns.Where(c => DataMap.IsExcluded(c.Split('.')[0])).ToList();
        Assert.Contains("tenants.slug", excludedColumns);
        Assert.DoesNotContain(excludedColumns, c => DataMap.IsPersonKeyName(c.Split('.')[1]));
        Assert.All(DataMap.Excluded, x => Assert.Null(DataMap.Find(x.Table)));
    }

    [Fact]
    public async Task Each_entry_selects_exactly_one_students_rows_and_none_of_another_district()
    {
        var district = await db.CreateDistrictAsync();
        var other = await db.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(db, district.Id, "northwind-1.1-bulk");
        await RosterSamples.ImportDirectlyAsync(db, other.Id, "northwind-1.1-bulk");
        var student = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-001");
        var peer = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-002");

        async Task<Dictionary<string, long>> CountsAsync(Guid tenant, Guid person)
        {
            await using var conn = await db.OpenAsTenantAsync(tenant);
            var counts = new Dictionary<string, long>();
            foreach (var entry in DataMap.Entries.Where(e => e.PersonRowsSql() != null))
                counts[entry.Table] = await TestDatabase.ScalarAsync<long>(conn, $"select count(*) from {entry.Table} where {entry.PersonRowsSql()}", person);
            return counts;
        }

        var mine = await CountsAsync(district.Id, student);
        Assert.Equal(1, mine["users"]);
        Assert.Equal(1, mine["demographics"]);
        Assert.Equal(2, mine["guardian_links"]); // nw-g-001 and nw-g-002
        Assert.True(mine["enrollments"] > 0);
        Assert.True(mine["user_orgs"] > 0);
        Assert.Equal(1, mine["external_ids"]);
        Assert.True(mine["import_changes"] >= 2, "the import created the user and the demographics row"); // user + demographics
        Assert.Null(DataMap.Find("import_row_errors")!.PersonRowsSql()); // not attributable: district export only

        // A peer's rows are not the student's, and the student's id means nothing in another district.
        await using (var conn = await db.OpenAsTenantAsync(district.Id))
            Assert.Equal(0, await TestDatabase.ScalarAsync<long>(conn,
                $"select count(*) from demographics where {DataMap.Find("demographics")!.PersonRowsSql()} and user_id = '{peer}'", student));
        Assert.All(await CountsAsync(other.Id, student), c => Assert.Equal(0, c.Value));
    }

    [Fact]
    public void Retention_periods_are_iso_8601_and_floors_cannot_be_undercut()
    {
        var audit = DataMap.Find("audit_events")!.Retention;
        Assert.Contains("below the floor of P1Y", audit.Check("P6M"));
        Assert.Contains("below the floor", audit.Check("P364D"));
        Assert.Null(audit.Check("P12M"));
        Assert.Null(audit.Check("P10Y"));
        Assert.Contains("not an ISO-8601 period", audit.Check("1 year"));
        Assert.Contains("not an ISO-8601 period", audit.Check("P"));
        Assert.Null(DataMap.Find("import_row_errors")!.Retention.Check("P30D")); // no floor there
        Assert.Equal(0, IsoPeriod.Parse("P1Y").CompareTo(IsoPeriod.Parse("P12M")));
        Assert.True(IsoPeriod.Parse("P2W").CompareTo(IsoPeriod.Parse("P14D")) == 0);
        Assert.True(IsoPeriod.Parse("P1M").CompareTo(IsoPeriod.Parse("P32D")) < 0);
        Assert.All(DataMap.Entries, e => Assert.Null(e.Retention.Check(e.Retention.Period)));
    }

    [Fact]
    public void The_committed_data_map_document_is_what_the_map_generates()
    {
        var path = Path.Combine(DataFolder.CheckoutRoot(), "docs", "data-map.md");
        var generated = DataMapDocument.Render();
        if (Environment.GetEnvironmentVariable("LMS_WRITE_DATA_MAP") == "1")
            File.WriteAllText(path, generated);
        var committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.True(committed == generated, $"docs/data-map.md differs from what DataMap.cs generates. Regenerate it: {RegenerateHint}");
        foreach (var entry in DataMap.Entries)
            Assert.Contains($"### {entry.Table}", generated);
        Assert.Contains("`password_hash`: Secret: a credential, never exported", generated);
    }
}
