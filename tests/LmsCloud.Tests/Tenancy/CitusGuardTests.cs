using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Tests.Tenancy;

/// <summary>
/// The guards of the distributed path (infra/citus/README.md): the schema stays distributable on tenant_id, and
/// infra/citus/distribute.sql stays in step with the migrations. Citus itself is not installed here; these check, on
/// plain PostgreSQL, the rules Citus enforces when it distributes a table.
/// </summary>
public sealed class CitusGuardTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Citus_keys_and_foreign_keys_of_every_tenant_table_include_tenant_id_and_no_tenant_table_uses_a_sequence()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        Assert.Contains("users", await CitusCatalog.TenantTablesAsync(conn));
        Assert.Empty(await CitusCatalog.FindSchemaViolationsAsync(conn));
    }

    /// <summary>
    /// Queries: every EF query of a tenant entity carries <c>tenant_id = @district</c> (the named filter), which is what
    /// routes it to one shard group under Citus; a query without it runs on every shard, and a query that drops it on
    /// purpose is a cross-district query. So every entity with a TenantId has the filter, and product code never
    /// ignores it (only the RLS tests do, to show RLS holds without it).
    /// </summary>
    [Fact]
    public void Citus_every_tenant_entity_query_is_filtered_to_one_district_and_no_product_code_ignores_the_filter()
    {
        using var context = db.CreateContext(null);
        var tenantEntities = context.Model.GetEntityTypes().Where(e => e.FindProperty("TenantId") != null).ToList();
        Assert.True(tenantEntities.Count >= 18, "the model lost its tenant entities");
        Assert.Empty(tenantEntities
            .Where(e => !e.GetDeclaredQueryFilters().Any(f => f.Key == LmsDbContext.TenantFilter))
            .Select(e => e.ClrType.Name));

        var src = Path.Combine(DataFolder.CheckoutRoot(), "src");
        var ignoring = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => File.ReadAllText(f).Contains(nameof(EntityFrameworkQueryableExtensions.IgnoreQueryFilters), StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(src, f));
        Assert.Empty(ignoring);
    }

    [Fact]
    public async Task Citus_distribute_sql_distributes_every_tenant_table_in_foreign_key_order_and_names_only_existing_tables()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        var script = CitusCatalog.LoadScript();

        Assert.Equal("tenants", Assert.Single(script.Reference));
        Assert.Equal(CitusCatalog.AnchorTable, script.Distributed[0].Table);
        Assert.Equal((await CitusCatalog.TenantTablesAsync(conn)).Count, script.Distributed.Count);
        Assert.Empty(await CitusCatalog.FindScriptMismatchesAsync(conn, script));
    }

    [Fact]
    public async Task Citus_policy_rewrite_of_distribute_sql_leaves_no_sub_query_and_keeps_the_rls_guard_green()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the migrated policies stay as they are
        var tenantTables = await CitusCatalog.TenantTablesAsync(conn);
        Assert.Equal(tenantTables.Count, (await CitusCatalog.PoliciesWithSubqueriesAsync(conn)).Count); // today's form

        await using (var cmd = new NpgsqlCommand(CitusCatalog.PolicyRewriteBlock(File.ReadAllText(CitusCatalog.ScriptPath())), conn, tx))
            await cmd.ExecuteNonQueryAsync();

        Assert.Empty(await CitusCatalog.PoliciesWithSubqueriesAsync(conn));
        Assert.Empty(await RlsCatalog.FindViolationsAsync(conn));
    }

    [Fact]
    public async Task The_citus_guard_reports_each_kind_of_broken_table()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the broken tables never persist
        await using (var cmd = new NpgsqlCommand("""
            create table citus_ok (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id));
            create table citus_bad_pk (tenant_id uuid not null, id int primary key);
            create table citus_bad_unique (tenant_id uuid not null, id int, code text,
              primary key (tenant_id, id), unique (code));
            create unique index citus_bad_unique_index on citus_bad_unique (lower(code));
            create table citus_bad_fk (tenant_id uuid not null, id int, other int references citus_bad_pk (id),
              primary key (tenant_id, id));
            create table citus_bad_fk_pairing (tenant_id uuid not null, id int, ok_id uuid,
              primary key (tenant_id, id), foreign key (ok_id, tenant_id) references citus_ok (tenant_id, id));
            create table citus_bad_set_null (tenant_id uuid not null, id int, ok_id uuid,
              primary key (tenant_id, id), foreign key (tenant_id, ok_id) references citus_ok (tenant_id, id) on delete set null);
            create table citus_bad_serial (tenant_id uuid not null, id bigserial, primary key (tenant_id, id));
            create table citus_bad_identity (tenant_id uuid not null, id bigint generated always as identity,
              primary key (tenant_id, id));
            create table citus_global_to_tenant (id int primary key, t uuid, ok_id uuid,
              foreign key (t, ok_id) references citus_ok (tenant_id, id));
            create table citus_local_lookup (code text primary key);
            create table citus_to_local (tenant_id uuid not null, id int, code text references citus_local_lookup (code),
              primary key (tenant_id, id));
            """, conn, tx))
            await cmd.ExecuteNonQueryAsync();

        var violations = await CitusCatalog.FindSchemaViolationsAsync(conn);

        Assert.Contains("citus_bad_pk: primary key citus_bad_pk_pkey does not include tenant_id", violations);
        Assert.Contains("citus_bad_unique: unique index citus_bad_unique_code_key does not include tenant_id", violations);
        Assert.Contains("citus_bad_unique: unique index citus_bad_unique_index does not include tenant_id", violations);
        Assert.Contains(violations, v => v.StartsWith("citus_bad_fk: foreign key citus_bad_fk_other_fkey to citus_bad_pk must pair tenant_id"));
        Assert.Contains(violations, v => v.StartsWith("citus_bad_fk_pairing: foreign key citus_bad_fk_pairing_ok_id_tenant_id_fkey to citus_ok must pair tenant_id"));
        Assert.Contains(violations, v => v.StartsWith("citus_bad_set_null: foreign key citus_bad_set_null_tenant_id_ok_id_fkey includes tenant_id"));
        Assert.Contains(violations, v => v.StartsWith("citus_bad_serial.id: default nextval('citus_bad_serial_id_seq'::regclass) draws from one sequence"));
        Assert.Contains("citus_bad_identity.id: identity column (one sequence shared by every district)", violations);
        Assert.Contains(violations, v => v.StartsWith("citus_global_to_tenant: foreign key citus_global_to_tenant_t_ok_id_fkey from a global table to tenant table citus_ok"));
        Assert.DoesNotContain(violations, v => v.StartsWith("citus_ok"));
        Assert.DoesNotContain(violations, v => v.StartsWith("citus_to_local"));
        Assert.DoesNotContain(violations, v => !v.StartsWith("citus_")); // the real schema stays clean

        // The script check sees the new tenant tables that distribute.sql does not list, and a tenant table's foreign
        // key to a global table that the script leaves local.
        var mismatches = await CitusCatalog.FindScriptMismatchesAsync(conn, CitusCatalog.LoadScript());
        Assert.Contains("citus_ok: tenant table missing from infra/citus/distribute.sql", mismatches);
        Assert.Contains("citus_bad_serial: tenant table missing from infra/citus/distribute.sql", mismatches);
        Assert.Contains(mismatches, m => m.StartsWith("citus_to_local: foreign key citus_to_local_code_fkey to global table citus_local_lookup"));
    }

    [Fact]
    public async Task The_citus_script_check_reports_missing_unknown_misordered_and_misplaced_tables()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        var script = CitusCatalog.ParseScript("""
            -- select create_distributed_table('import_changes', 'tenant_id', colocate_with => 'district_profiles');
            select create_distributed_table('district_profiles', 'tenant_id', colocate_with => 'none');
            select create_distributed_table('user_roles', 'tenant_id', colocate_with => 'district_profiles');
            select create_distributed_table('users', 'tenant_id', colocate_with => 'district_profiles');
            select create_distributed_table('courses', 'tenant_id', colocate_with => 'users');
            select create_distributed_table('classes', 'id', colocate_with => 'district_profiles');
            select create_distributed_table('no_such_table', 'tenant_id', colocate_with => 'district_profiles');
            select create_distributed_table('schema_migrations', 'tenant_id', colocate_with => 'district_profiles');
            select create_reference_table('orgs');
            select create_reference_table('tenants');
            """);

        var mismatches = await CitusCatalog.FindScriptMismatchesAsync(conn, script);

        Assert.Contains("import_changes: tenant table missing from infra/citus/distribute.sql", mismatches); // comments don't count
        Assert.Contains("orgs: a tenant table made a reference table (it must be distributed on tenant_id)", mismatches);
        Assert.Contains("no_such_table: listed in distribute.sql but no such table in the schema", mismatches);
        Assert.Contains("schema_migrations: distributed, but has no tenant_id column", mismatches);
        Assert.Contains("classes: distributed on id, not tenant_id", mismatches);
        Assert.Contains("courses: colocate_with => 'users', expected 'district_profiles'", mismatches);
        Assert.Contains("user_roles: listed before users, which its foreign key user_roles_tenant_id_user_id_fkey references", mismatches);
        Assert.Contains(mismatches, m => m.StartsWith("district_profiles: listed before tenants, which its foreign key"));
        Assert.DoesNotContain(mismatches, m => m.StartsWith("users: colocate_with")); // co-located with the anchor, as it should
    }
}
