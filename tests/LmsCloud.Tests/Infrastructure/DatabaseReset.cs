using Npgsql;
using Respawn;
using Respawn.Graph;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>
/// Empties global tables (no tenant_id, so RLS keeps no test's rows apart) for the rare test that needs them empty
/// within its class, with Respawn. The fast path stays the clone of the migrated template that every test class gets
/// (<see cref="TestDatabase"/>); a reset is only for what a fresh clone cannot give a single test.
/// </summary>
/// <remarks>
/// Respawn truncates the tables with CASCADE, which also empties every table that references one of them, and TRUNCATE
/// passes by RLS, so name tables, never a whole schema. <c>tenants</c> cannot be reset: audit_events references it, and
/// its triggers refuse TRUNCATE (append-only). <c>schema_migrations</c> is never reset. It runs as the owner role,
/// which owns the tables (the application role may not truncate).
/// </remarks>
public static class DatabaseReset
{
    /// <summary>Quartz's jobs and triggers; not its scheduler rows and locks, which the running nodes hold.</summary>
    public static readonly Table[] QuartzJobStore =
    [
        "qrtz_job_details", "qrtz_triggers", "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_simprop_triggers",
        "qrtz_blob_triggers", "qrtz_fired_triggers", "qrtz_paused_trigger_grps", "qrtz_calendars",
    ];

    public static async Task ResetAsync(TestDatabase db, Table[] tables)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        var respawner = await Respawner.CreateAsync(conn, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToInclude = tables,
            TablesToIgnore = ["schema_migrations", "audit_events"],
        });
        await respawner.ResetAsync(conn);
    }
}
