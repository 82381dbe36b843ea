using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Compliance.Export;

public enum DownloadRefusal { NotFound, NotRequester, NotReady, Expired }

/// <summary>An open download (<see cref="Content"/>, to be disposed by the caller) or why there is none.</summary>
public sealed record DownloadOutcome(Stream? Content, string? FileName, long? Bytes, DownloadRefusal? Refusal, string? Message = null);

/// <summary>
/// Downloads of ready exports (and disclosure logs): only the requester (the actor who asked, as the audit log names them), only while the
/// request is <c>ready</c> and before its link expires. Each download writes <c>compliance_export.downloaded</c> (who,
/// when, which file, its hash) about the request's subject in the same transaction as the read of the request; the event
/// is part of the person's disclosure log.
/// </summary>
public sealed class ExportDownloads(LmsDbContext db, AuditLog audit, IFileStorage storage, TimeProvider clock)
{
    public const string DownloadedAction = "compliance_export.downloaded";

    public async Task<DownloadOutcome> OpenAsync(Guid requestId, AuditActor caller, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Shared lock: the expiry job's move to expired waits for this download to be logged, and a download after it sees expired.
        var rows = await db.Database.SqlQuery<DownloadRow>($"""
            select r.type as "Type", r.state as "State", r.subject_user_id as "SubjectUserId", r.requester_actor_type as "RequesterActorType",
                   r.requester_actor_id as "RequesterActorId", e.storage_key as "StorageKey", e.expires_at as "ExpiresAt", e.bytes as "Bytes",
                   e.sha256 as "Sha256"
            from compliance_requests r left join compliance_exports e on e.tenant_id = r.tenant_id and e.request_id = r.id
            where r.id = {requestId} for share of r
            """).ToListAsync(ct);
        if (rows.Count == 0 || !ComplianceExports.Types.Contains(rows[0].Type))
            return Refused(DownloadRefusal.NotFound, "No such export request in this district.");
        var row = rows[0];
        if (row.RequesterActorType != caller.Type || row.RequesterActorId != caller.Id)
            return Refused(DownloadRefusal.NotRequester, "Only the person who requested this export may download it.");
        var now = clock.GetUtcNow();
        if (row.State == RequestStates.Expired || (row.State == RequestStates.Ready && (row.StorageKey == null || row.ExpiresAt <= now)))
            return Refused(DownloadRefusal.Expired, "The download link of this export has expired and its file was deleted; request a new export.");
        if (row.State != RequestStates.Ready || row.StorageKey == null)
            return Refused(DownloadRefusal.NotReady, $"The export is {row.State}, not ready for download.");

        var content = await storage.OpenReadAsync(row.StorageKey, ct);
        try
        {
            await audit.WriteAsync(new AuditEntry(DownloadedAction, "compliance_request", requestId.ToString(), row.SubjectUserId,
                After: new { type = row.Type, bytes = row.Bytes, sha256 = row.Sha256, expiresAt = row.ExpiresAt }, Actor: caller), ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
        return new DownloadOutcome(content, row.Type == RequestTypes.DisclosureLog ? $"disclosure-log-{requestId}.zip" : $"export-{requestId}.zip", row.Bytes, null);
    }

    static DownloadOutcome Refused(DownloadRefusal refusal, string message) => new(null, null, null, refusal, message);

    sealed class DownloadRow
    {
        public string Type { get; set; } = "";
        public string State { get; set; } = "";
        public Guid? SubjectUserId { get; set; }
        public string RequesterActorType { get; set; } = "";
        public string? RequesterActorId { get; set; }
        public string? StorageKey { get; set; }
        public DateTimeOffset? ExpiresAt { get; set; }
        public long? Bytes { get; set; }
        public string? Sha256 { get; set; }
    }
}

public static class ComplianceExportExtensions
{
    /// <summary>
    /// The export job's service, downloads, the platform's signing keys and the <c>Compliance</c> settings. The host
    /// gives the OneRoster writer of district exports (Core does not reference the SIS engine).
    /// </summary>
    public static IServiceCollection AddComplianceExports(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration,
        bool allowDevelopmentKey, RosterPackageWriter roster)
    {
        var options = new ExportOptions();
        configuration.GetSection("Compliance").Bind(options);
        return services
            .AddSingleton(options)
            .AddSingleton(_ => PlatformKeys.FromConfiguration(configuration, allowDevelopmentKey))
            .AddSingleton(roster)
            .AddSingleton<ComplianceExports>()
            .AddScoped<ExportDownloads>();
    }
}
