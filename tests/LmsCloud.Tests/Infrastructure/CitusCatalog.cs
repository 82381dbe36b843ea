using System.Text.RegularExpressions;
using LmsCloud.Core.Database;
using Npgsql;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>
/// Reads the catalog and lists every way the schema would stop a Citus deployment from distributing it on
/// <c>tenant_id</c> (infra/citus/README.md), and every way infra/citus/distribute.sql has fallen out of step with the
/// migrations. Empty means the distribution DDL would still apply. Nothing here needs Citus: these are the rules
/// Citus enforces when it distributes a table, checked on plain PostgreSQL.
/// </summary>
public static partial class CitusCatalog
{
    public const string AnchorTable = "district_profiles";

    const string TenantTables = """
        tenant_tables as (
          select c.oid, c.relname, a.attnum as tenant_col
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
          where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition)
        """;

    // Citus: primary keys and unique constraints/indexes must include the distribution column; foreign keys between
    // distributed tables must pair the distribution columns at the same position, must not SET NULL/SET DEFAULT them
    // on delete nor SET NULL/SET DEFAULT/CASCADE on update; reference and local tables cannot reference distributed
    // ones. Sequences: one counter shared by every district (a coordinator round trip per row, and a number that
    // leaks other districts' activity); keys here are uuids or per-district numbers.
    const string SchemaViolationsSql = $"""
        with {TenantTables},
        global_tables as (
          select c.oid, c.relname
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and c.oid not in (select oid from tenant_tables))
        select t.relname || ': ' || case when i.indisprimary then 'primary key ' else 'unique index ' end
               || ic.relname || ' does not include tenant_id'
        from tenant_tables t
        join pg_index i on i.indrelid = t.oid and i.indisunique
        join pg_class ic on ic.oid = i.indexrelid
        where not (t.tenant_col = any (i.indkey::int2[]))
        union all
        select t.relname || ': foreign key ' || f.conname || ' to ' || r.relname
               || ' must pair tenant_id with tenant_id (same position on both sides)'
        from tenant_tables t
        join pg_constraint f on f.conrelid = t.oid and f.contype = 'f'
        join tenant_tables r on r.oid = f.confrelid
        where not exists (select 1 from generate_subscripts(f.conkey, 1) k
                          where f.conkey[k] = t.tenant_col and f.confkey[k] = r.tenant_col)
        union all
        select t.relname || ': foreign key ' || f.conname
               || ' includes tenant_id, so Citus refuses ON DELETE SET NULL/SET DEFAULT and ON UPDATE SET NULL/SET DEFAULT/CASCADE'
        from tenant_tables t
        join pg_constraint f on f.conrelid = t.oid and f.contype = 'f'
        where t.tenant_col = any (f.conkey)
          and (f.confdeltype in ('n', 'd') or f.confupdtype in ('n', 'd', 'c'))
        union all
        select g.relname || ': foreign key ' || f.conname || ' from a global table to tenant table ' || r.relname
               || ' (reference and local tables cannot reference a distributed table)'
        from global_tables g
        join pg_constraint f on f.conrelid = g.oid and f.contype = 'f'
        join tenant_tables r on r.oid = f.confrelid
        union all
        select t.relname || '.' || a.attname || ': identity column (one sequence shared by every district)'
        from tenant_tables t
        join pg_attribute a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped and a.attidentity <> ''
        union all
        select t.relname || '.' || a.attname || ': default ' || pg_get_expr(d.adbin, d.adrelid)
               || ' draws from one sequence shared by every district'
        from tenant_tables t
        join pg_attrdef d on d.adrelid = t.oid
        join pg_attribute a on a.attrelid = t.oid and a.attnum = d.adnum and not a.attisdropped
        where pg_get_expr(d.adbin, d.adrelid) ilike '%nextval(%'
        order by 1
        """;

    const string TenantTablesSql = $"with {TenantTables} select relname from tenant_tables order by 1";

    // Citus refuses to distribute a table whose policy contains a sub-query (a SubLink, deparsed as SELECT).
    const string PoliciesWithSubqueriesSql = $"""
        with {TenantTables}
        select t.relname || ': policy ' || p.polname || ' contains a sub-query'
        from tenant_tables t join pg_policy p on p.polrelid = t.oid
        where coalesce(pg_get_expr(p.polqual, p.polrelid), '') ~* '\mselect\M'
           or coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') ~* '\mselect\M'
        order by 1
        """;

    const string PublicTablesSql = """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1
        """;

    const string ForeignKeysSql = """
        select f.conname, c.relname, r.relname
        from pg_constraint f
        join pg_class c on c.oid = f.conrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_class r on r.oid = f.confrelid
        where f.contype = 'f' and n.nspname = 'public'
        order by 2, 1
        """;

    /// <summary>What infra/citus/distribute.sql does: every table it names, in order, and how.</summary>
    public sealed record DistributionScript(
        IReadOnlyList<string> Order, IReadOnlyList<DistributedTable> Distributed, IReadOnlyList<string> Reference);

    public sealed record DistributedTable(string Table, string Column, string? ColocateWith);

    /// <summary>infra/citus/distribute.sql in the checkout.</summary>
    public static string ScriptPath() => Path.Combine(DataFolder.CheckoutRoot(), "infra", "citus", "distribute.sql");

    public static DistributionScript LoadScript() => ParseScript(File.ReadAllText(ScriptPath()));

    /// <summary>The create_distributed_table / create_reference_table calls of the script, comments ignored.</summary>
    public static DistributionScript ParseScript(string sql)
    {
        var code = LineComment().Replace(sql, "");
        var distributed = new List<DistributedTable>();
        var reference = new List<string>();
        var order = new List<string>();
        foreach (Match m in Call().Matches(code))
        {
            var table = m.Groups["table"].Value.ToLowerInvariant();
            order.Add(table);
            if (m.Groups["fn"].Value.Equals("create_reference_table", StringComparison.OrdinalIgnoreCase))
                reference.Add(table);
            else
                distributed.Add(new DistributedTable(table, m.Groups["column"].Value.ToLowerInvariant(),
                    m.Groups["colocate"].Success ? m.Groups["colocate"].Value.ToLowerInvariant() : null));
        }
        return new DistributionScript(order, distributed, reference);
    }

    public static Task<List<string>> TenantTablesAsync(NpgsqlConnection conn) => RlsCatalog.ListAsync(conn, TenantTablesSql);

    /// <summary>Tenant tables whose policy Citus would refuse to distribute (a sub-query in USING or WITH CHECK).</summary>
    public static Task<List<string>> PoliciesWithSubqueriesAsync(NpgsqlConnection conn) => RlsCatalog.ListAsync(conn, PoliciesWithSubqueriesSql);

    /// <summary>The <c>do $$ … $$;</c> block of the script (step 1, the policy rewrite), to run it on plain PostgreSQL.</summary>
    public static string PolicyRewriteBlock(string sql) =>
        DoBlock().Match(sql) is { Success: true } m ? m.Value : throw new InvalidOperationException("distribute.sql has no do $$ … $$; block");

    /// <summary>Keys, foreign keys and sequences of the live schema that Citus would refuse or that break distribution.</summary>
    public static Task<List<string>> FindSchemaViolationsAsync(NpgsqlConnection conn) => RlsCatalog.ListAsync(conn, SchemaViolationsSql);

    /// <summary>
    /// Where the script and the live schema disagree: a tenant table not distributed, a listed table that does not
    /// exist, a table distributed on something other than tenant_id or outside the anchor's co-location group, a table
    /// distributed before a table its foreign keys point to, a global table that tenant tables reference but that is
    /// not a reference table, a tenant table made a reference table.
    /// </summary>
    public static async Task<List<string>> FindScriptMismatchesAsync(NpgsqlConnection conn, DistributionScript script)
    {
        var tenant = (await TenantTablesAsync(conn)).ToHashSet();
        var existing = (await RlsCatalog.ListAsync(conn, PublicTablesSql)).ToHashSet();
        var problems = new List<string>();

        foreach (var table in script.Order.GroupBy(t => t).Where(g => g.Count() > 1))
            problems.Add($"{table.Key}: listed {table.Count()} times in distribute.sql");
        foreach (var table in script.Order.Distinct().Where(t => !existing.Contains(t)))
            problems.Add($"{table}: listed in distribute.sql but no such table in the schema");

        var distributed = script.Distributed.Select(d => d.Table).ToHashSet();
        foreach (var table in tenant.Where(t => !distributed.Contains(t)))
            problems.Add(script.Reference.Contains(table)
                ? $"{table}: a tenant table made a reference table (it must be distributed on tenant_id)"
                : $"{table}: tenant table missing from infra/citus/distribute.sql");

        var anchor = script.Distributed.FirstOrDefault();
        if (anchor is null) problems.Add("distribute.sql distributes no table");
        else if (anchor.Table != AnchorTable)
            problems.Add($"{anchor.Table}: distributed first, but the anchor of the co-location group is {AnchorTable}");
        foreach (var d in script.Distributed)
        {
            if (existing.Contains(d.Table) && !tenant.Contains(d.Table))
                problems.Add($"{d.Table}: distributed, but has no tenant_id column");
            if (d.Column != "tenant_id")
                problems.Add($"{d.Table}: distributed on {d.Column}, not tenant_id");
            var expected = d == anchor ? "none" : AnchorTable;
            if (d.ColocateWith != expected)
                problems.Add($"{d.Table}: colocate_with => {(d.ColocateWith is null ? "(not given)" : $"'{d.ColocateWith}'")}, expected '{expected}'");
        }

        var position = script.Order.Select((t, i) => (t, i)).GroupBy(x => x.t).ToDictionary(g => g.Key, g => g.First().i);
        foreach (var (name, from, to) in await ForeignKeysAsync(conn))
        {
            if (from == to) continue;
            if (!tenant.Contains(from) && !script.Reference.Contains(from)) continue; // local tables are not in the script
            if (!tenant.Contains(to) && !script.Reference.Contains(to))
                problems.Add($"{from}: foreign key {name} to global table {to}, which distribute.sql does not make a reference table");
            else if (position.TryGetValue(from, out var fromAt) && position.TryGetValue(to, out var toAt) && toAt > fromAt)
                problems.Add($"{from}: listed before {to}, which its foreign key {name} references");
        }
        return problems.Order(StringComparer.Ordinal).ToList();
    }

    static async Task<List<(string Name, string From, string To)>> ForeignKeysAsync(NpgsqlConnection conn)
    {
        await using var cmd = new NpgsqlCommand(ForeignKeysSql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<(string, string, string)>();
        while (await reader.ReadAsync()) result.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return result;
    }

    [GeneratedRegex(@"^do \$\$.*?^end \$\$;", RegexOptions.Singleline | RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex DoBlock();

    [GeneratedRegex(@"--[^\r\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"\b(?<fn>create_distributed_table|create_reference_table)\s*\(\s*'(?<table>[A-Za-z_][A-Za-z0-9_]*)'(?:\s*,\s*'(?<column>[A-Za-z_][A-Za-z0-9_]*)')?(?:\s*,\s*colocate_with\s*=>\s*'(?<colocate>[A-Za-z_][A-Za-z0-9_]*)')?", RegexOptions.IgnoreCase)]
    private static partial Regex Call();
}
