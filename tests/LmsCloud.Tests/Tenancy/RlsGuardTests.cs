using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Tests.Tenancy;

/// <summary>The guards of docs/tenancy.md: isolation that PostgreSQL enforces even when C# forgets a filter.</summary>
public sealed class RlsGuardTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Every_tenant_table_has_forced_rls_one_complete_policy_and_tenant_first_keys()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        var tables = await RlsCatalog.TenantTablesAsync(conn);
        Assert.Contains("district_profiles", tables);
        foreach (var openIddict in new[] { "openiddict_applications", "openiddict_authorizations", "openiddict_scopes", "openiddict_tokens" })
            Assert.Contains(openIddict, tables);
        Assert.Empty(await RlsCatalog.FindViolationsAsync(conn));
    }

    /// <summary>
    /// The tables without tenant_id, which RLS does not guard, each for a reason: the districts themselves, the
    /// migration runner's record, the data-protection key ring shared by all districts (0012), and Quartz's scheduler
    /// state (qrtz_*). A new table missing from this list is a tenant table that forgot its tenant_id, or a platform
    /// table to add here with its reason (and its grants checked).
    /// </summary>
    static readonly string[] PlatformTables = ["data_protection_keys", "schema_migrations", "tenants"];

    [Fact]
    public async Task Every_table_without_tenant_id_is_a_known_platform_table_and_the_app_may_only_read_and_add_keys()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        var platform = await RlsCatalog.ListAsync(conn, """
            select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not like 'qrtz\_%'
              and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
            order by 1
            """);
        Assert.Equal(PlatformTables, platform);
        var keyGrants = await RlsCatalog.ListAsync(conn, """
            select privilege_type::text from information_schema.role_table_grants
            where grantee = 'lms_app' and table_name = 'data_protection_keys' order by 1
            """);
        Assert.Equal(["INSERT", "SELECT"], keyGrants);
    }

    [Fact]
    public async Task A_table_made_with_the_isolation_helper_passes_the_guard_and_isolates()
    {
        var a = await db.CreateDistrictAsync();
        var b = await db.CreateDistrictAsync();
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the table never persists
        await Exec(conn, """
            create table helper_made (tenant_id uuid not null references tenants (id), id int not null, primary key (tenant_id, id));
            select enable_tenant_isolation('helper_made');
            """);
        Assert.DoesNotContain(await RlsCatalog.FindViolationsAsync(conn), v => v.StartsWith("helper_made"));

        // The owner obeys the forced policy too: district A's session sees and writes only A's rows.
        await TenantSession.SetAsync(conn, a.Id, transactionLocal: true);
        await Exec(conn, $"insert into helper_made values ('{a.Id}', 1)");
        var foreign = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn, $"insert into helper_made values ('{b.Id}', 1)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, foreign.SqlState);
    }

    [Fact]
    public async Task The_isolation_helper_refuses_a_table_without_tenant_id_and_the_app_role_cannot_call_it()
    {
        await using (var owner = new NpgsqlConnection(db.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await using var tx = await owner.BeginTransactionAsync(); // rolled back
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Exec(owner, """
                create table not_a_tenant_table (id int primary key);
                select enable_tenant_isolation('not_a_tenant_table');
                """));
            Assert.Contains("has no tenant_id column", refused.MessageText);
        }
        await using var app = await db.App.OpenConnectionAsync();
        var denied = await Assert.ThrowsAsync<PostgresException>(() => Exec(app, "select enable_tenant_isolation('district_profiles')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task The_catalog_guard_reports_each_kind_of_broken_table()
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync(); // rolled back: the broken tables never persist
        const string policy = "using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))";
        const string check = "with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))";
        await using (var cmd = new NpgsqlCommand($"""
            create table bad_no_rls (tenant_id uuid, id int, primary key (tenant_id, id));
            create table bad_not_forced (tenant_id uuid, id int, primary key (tenant_id, id));
            alter table bad_not_forced enable row level security;
            create policy p on bad_not_forced {policy} {check};
            create table bad_no_check (tenant_id uuid, id int, primary key (tenant_id, id));
            alter table bad_no_check enable row level security; alter table bad_no_check force row level security;
            create policy p on bad_no_check {policy};
            create table bad_two_policies (tenant_id uuid, id int, primary key (tenant_id, id));
            alter table bad_two_policies enable row level security; alter table bad_two_policies force row level security;
            create policy p on bad_two_policies {policy} {check};
            create policy q on bad_two_policies using (true);
            create table bad_key (tenant_id uuid, id int primary key, code text unique);
            alter table bad_key enable row level security; alter table bad_key force row level security;
            create policy p on bad_key {policy} {check};
            create table bad_fk (tenant_id uuid, id int, other int references bad_key (id), primary key (tenant_id, id));
            alter table bad_fk enable row level security; alter table bad_fk force row level security;
            create policy p on bad_fk {policy} {check};
            """, conn, tx))
            await cmd.ExecuteNonQueryAsync();

        var violations = await RlsCatalog.FindViolationsAsync(conn);

        Assert.Contains("bad_no_rls: RLS not enabled", violations);
        Assert.Contains("bad_no_rls: RLS not forced (the owner would bypass it)", violations);
        Assert.Contains("bad_not_forced: RLS not forced (the owner would bypass it)", violations);
        Assert.Contains(violations, v => v.StartsWith("bad_no_check: policy p must apply"));
        Assert.Contains("bad_two_policies: needs exactly one permissive policy, has 2", violations);
        Assert.Contains("bad_key: primary key must start with tenant_id", violations);
        Assert.Contains(violations, v => v.StartsWith("bad_key: unique index bad_key_code_key"));
        Assert.Contains(violations, v => v.StartsWith("bad_fk: foreign key bad_fk_other_fkey"));
        Assert.DoesNotContain(violations, v => v.StartsWith("district_profiles"));
    }

    [Fact]
    public async Task The_application_role_owns_nothing_and_cannot_bypass_rls()
    {
        await using var conn = await db.OpenAsTenantAsync(null);
        Assert.Equal(DatabaseRoles.App, await TestDatabase.ScalarAsync<string>(conn, "select current_user::text"));
        Assert.False(await TestDatabase.ScalarAsync<bool>(conn,
            "select rolsuper or rolbypassrls or rolcreaterole or rolcreatedb from pg_roles where rolname = current_user"));
        var owned = await TestDatabase.ScalarAsync<long>(conn, """
            select (select count(*) from pg_class where relowner = r.oid)
                 + (select count(*) from pg_namespace where nspowner = r.oid)
                 + (select count(*) from pg_proc where proowner = r.oid)
                 + (select count(*) from pg_type where typowner = r.oid)
                 + (select count(*) from pg_database where datdba = r.oid)
            from pg_roles r where r.rolname = current_user
            """);
        Assert.Equal(0, owned);
        // It cannot switch RLS off for itself either.
        var e = await Assert.ThrowsAsync<PostgresException>(() =>
            TestDatabase.ScalarAsync<object>(conn, "alter table district_profiles no force row level security"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }

    [Fact]
    public async Task Without_a_tenant_the_application_role_sees_no_rows_and_cannot_write()
    {
        var a = await db.CreateDistrictAsync();
        await using var conn = await db.OpenAsTenantAsync(null);

        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
        Assert.Equal(0, await Exec(conn, "update district_profiles set display_name = 'x' where tenant_id = $1", a.Id));
        var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn,
            "insert into district_profiles (tenant_id, display_name) values ($1, 'x')", Guid.NewGuid()));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }

    [Fact]
    public async Task A_tenant_sees_only_its_rows_and_cannot_write_another_tenants_id()
    {
        var a = await db.CreateDistrictAsync("District A");
        var b = await db.CreateDistrictAsync("District B");
        await using var conn = await db.OpenAsTenantAsync(a.Id);

        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
        Assert.Equal("District A", await TestDatabase.ScalarAsync<string>(conn, "select display_name from district_profiles"));
        Assert.Equal(0, await Exec(conn, "update district_profiles set display_name = 'hacked' where tenant_id = $1", b.Id));

        var moved = await Assert.ThrowsAsync<PostgresException>(() =>
            Exec(conn, "update district_profiles set tenant_id = $1", b.Id));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, moved.SqlState); // WITH CHECK refuses the new row
        var inserted = await Assert.ThrowsAsync<PostgresException>(() =>
            Exec(conn, "insert into district_profiles (tenant_id, display_name) values ($1, 'x')", b.Id));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, inserted.SqlState);

        await using var asB = await db.OpenAsTenantAsync(b.Id);
        Assert.Equal("District B", await TestDatabase.ScalarAsync<string>(asB, "select display_name from district_profiles"));
    }

    [Fact]
    public async Task A_pooled_connection_used_by_one_tenant_carries_nothing_to_the_next_user()
    {
        var a = await db.CreateDistrictAsync();
        // The product's settings (statements prepared after two uses): a prepared plan must not carry the district either.
        await using var onePhysicalConnection = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(DatabaseExtensions.WithAutoPrepare(db.ConnectionStrings.App)) { MaxPoolSize = 1 }.ConnectionString);

        int firstPid;
        await using (var conn = await onePhysicalConnection.OpenConnectionAsync())
        {
            await TenantSession.SetAsync(conn, a.Id);
            for (var i = 0; i < 3; i++)
                Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
            firstPid = await TestDatabase.ScalarAsync<int>(conn, "select pg_backend_pid()");
        }
        await using (var conn = await onePhysicalConnection.OpenConnectionAsync())
        {
            Assert.Equal(firstPid, await TestDatabase.ScalarAsync<int>(conn, "select pg_backend_pid()"));
            Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from district_profiles"));
        }
    }

    [Fact]
    public async Task An_ef_context_sees_only_its_district_even_with_query_filters_ignored()
    {
        var a = await db.CreateDistrictAsync();
        await db.CreateDistrictAsync();

        await using (var asA = db.CreateContext(a.Id))
        {
            var rows = await asA.DistrictProfiles.IgnoreQueryFilters().ToListAsync();
            Assert.Equal(a.Id, Assert.Single(rows).TenantId);
        }
        await using (var none = db.CreateContext(null))
            Assert.Empty(await none.DistrictProfiles.IgnoreQueryFilters().ToListAsync());
    }

    [Fact]
    public async Task An_ef_context_sets_the_tenant_once_and_keeps_its_connection_for_later_queries()
    {
        var a = await db.CreateDistrictAsync();
        await using var context = db.CreateContext(a.Id);

        Assert.Single(await context.DistrictProfiles.ToListAsync());
        var connection = context.Database.GetDbConnection();
        Assert.Equal(System.Data.ConnectionState.Open, connection.State); // no close, so no second open and set_config
        var pid = await context.Database.SqlQueryRaw<int>("select pg_backend_pid() as \"Value\"").SingleAsync();
        Assert.Single(await context.DistrictProfiles.ToListAsync());
        Assert.Equal(pid, await context.Database.SqlQueryRaw<int>("select pg_backend_pid() as \"Value\"").SingleAsync());
    }

    static async Task<int> Exec(NpgsqlConnection conn, string sql, params object[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return await cmd.ExecuteNonQueryAsync();
    }
}
