using LmsCloud.Core.Audit;
using Npgsql;

namespace LmsCloud.Sis;

public static class ImportAudit
{
    /// <summary>
    /// The engine's audit hook: enrollment and role changes are access changes, recorded as one chained event per run
    /// with a digest of the detail rows (import_changes), in the run's apply transaction.
    /// </summary>
    public static Func<NpgsqlConnection, NpgsqlTransaction, RosterAccessChange, CancellationToken, Task> ForRun(
        Guid tenantId, AuditActor requestedBy, TimeProvider clock) =>
        (conn, tx, change, ct) => AuditLog.AppendAsync(conn, tx, tenantId,
            new AuditEntry("roster.access_changed", "import_run", change.RunId.ToString(),
                After: new { runId = change.RunId, counts = change.Counts, digest = change.Digest },
                Reason: "SIS roster import: enrollment and role changes; the detail is the run's change list"),
            new AuditActor("import", change.RunId.ToString(), requestedBy.Id), null, null, clock.GetUtcNow(), ct);
}
