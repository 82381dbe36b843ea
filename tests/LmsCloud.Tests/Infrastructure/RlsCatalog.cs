using Npgsql;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>
/// Reads the catalog and lists every way a table with a <c>tenant_id</c> column falls short of the isolation rules
/// in docs/tenancy.md. Empty means isolated.
/// </summary>
public static class RlsCatalog
{
    const string TenantTablesSql = """
        select c.relname
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where n.nspname = 'public' and c.relkind in ('r', 'p')
        order by 1
        """;

    const string ViolationsSql = """
        with tenant_tables as (
          select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity, a.attnum as tenant_col
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
          where n.nspname = 'public' and c.relkind in ('r', 'p'))
        select relname || ': RLS not enabled' from tenant_tables where not relrowsecurity
        union all
        select relname || ': RLS not forced (the owner would bypass it)' from tenant_tables where not relforcerowsecurity
        union all
        select t.relname || ': needs exactly one permissive policy, has ' || count(p.oid)
        from tenant_tables t left join pg_policy p on p.polrelid = t.oid and p.polpermissive
        group by t.relname having count(p.oid) <> 1
        union all
        select t.relname || ': policy ' || p.polname || ' must apply to all commands with USING and WITH CHECK on app.tenant_id'
        from tenant_tables t join pg_policy p on p.polrelid = t.oid and p.polpermissive
        where p.polcmd <> '*'
           or p.polqual is null or pg_get_expr(p.polqual, p.polrelid) not like '%tenant_id = %current_setting(''app.tenant_id''%'
           or p.polwithcheck is null or pg_get_expr(p.polwithcheck, p.polrelid) not like '%tenant_id = %current_setting(''app.tenant_id''%'
        union all
        select t.relname || ': primary key must start with tenant_id'
        from tenant_tables t left join pg_index i on i.indrelid = t.oid and i.indisprimary
        where i.indexrelid is null or i.indkey[0] <> t.tenant_col
        union all
        select t.relname || ': unique index ' || ic.relname || ' must start with tenant_id'
        from tenant_tables t join pg_index i on i.indrelid = t.oid and i.indisunique
        join pg_class ic on ic.oid = i.indexrelid
        where i.indkey[0] <> t.tenant_col
        union all
        select t.relname || ': foreign key ' || f.conname || ' to another tenant table must be composite on tenant_id'
        from tenant_tables t
        join pg_constraint f on f.conrelid = t.oid and f.contype = 'f'
        join tenant_tables r on r.oid = f.confrelid
        where f.conkey[1] <> t.tenant_col or f.confkey[1] <> r.tenant_col
        order by 1
        """;

    public static Task<List<string>> TenantTablesAsync(NpgsqlConnection conn) => ListAsync(conn, TenantTablesSql);

    public static Task<List<string>> FindViolationsAsync(NpgsqlConnection conn) => ListAsync(conn, ViolationsSql);

    /// <summary>The first column of every row of a catalog query.</summary>
    public static async Task<List<string>> ListAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var result = new List<string>();
        while (await reader.ReadAsync()) result.Add(reader.GetString(0));
        return result;
    }
}
