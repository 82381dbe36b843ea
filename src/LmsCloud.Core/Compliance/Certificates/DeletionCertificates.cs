using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Signing;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Core.Compliance.Certificates;

using LmsCloud.Core.Compliance.Erasure;
using Withheld = LmsCloud.Core.Compliance.Erasure.Withheld; // not the data map's withheld column

/// <summary>What a certificate covers: the district, the erasure request or retention run, the person (by id only).</summary>
public sealed record CertificateScope(Guid TenantId, Guid? RequestId, Guid? RetentionRunId, Guid? SubjectUserId);

/// <summary>An issued certificate: its id and the signed JSON document, byte for byte as stored and downloaded.</summary>
public sealed record DeletionCertificate(Guid Id, DateTimeOffset IssuedAt, string Json);

/// <summary>A certificate in the district's list: what it covers and the signed JSON as stored.</summary>
public sealed record DeletionCertificateEntry(Guid Id, DateTimeOffset IssuedAt, Guid? RequestId, Guid? RetentionRunId, Guid? SubjectUserId, string Json);

/// <summary>
/// Issues deletion certificates (docs/compliance.md): signed JSON with the scope, rows per table and method, what was kept
/// and why, the residual copies (backups, and when they expire) and the district's audit chain head at issue, stored
/// in <c>deletion_certificates</c> and audited as <c>certificate.issued</c>.
/// </summary>
public sealed class DeletionCertificates(LmsDbContext db, AuditLog audit, TimeProvider clock, PlatformSigner signer, IConfiguration configuration)
{
    public const int SchemaVersion = 1;

    /// <summary>The member of the signed document that holds the certificate.</summary>
    public const string Member = "certificate";

    /// <summary>How long backups are kept (<c>Compliance:BackupRetentionDays</c>, default 35): erased data may live in them until then.</summary>
    public int BackupRetentionDays => configuration.GetValue("Compliance:BackupRetentionDays", 35);

    public async Task<DeletionCertificate> IssueAsync(CertificateScope scope, IReadOnlyList<TableCount> counts, IReadOnlyList<Withheld> withheld,
        CancellationToken ct = default)
    {
        if (db.TenantId != scope.TenantId) throw new InvalidOperationException("A certificate is issued in its own district.");
        var id = Guid.NewGuid();
        var now = clock.GetUtcNow();
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The head as the erasure left it: read under the chain's lock so no event is half written.
        await db.Database.ExecuteSqlAsync($"select pg_advisory_xact_lock(hashtextextended('audit_events:' || {scope.TenantId}::text, 0))", ct);
        var head = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Seq).Select(e => new { e.Seq, e.Hash }).FirstOrDefaultAsync(ct);

        var certificate = new JsonObject
        {
            ["schemaVersion"] = SchemaVersion,
            ["id"] = id,
            ["issuedAt"] = now,
            ["district"] = scope.TenantId,
            ["scope"] = new JsonObject
            {
                ["kind"] = scope.RetentionRunId != null ? "retention_run" : "erasure",
                ["requestId"] = scope.RequestId,
                ["retentionRunId"] = scope.RetentionRunId,
                ["subjectId"] = scope.SubjectUserId,
            },
            ["tables"] = new JsonArray([.. counts.Select(c => (JsonNode)new JsonObject { ["table"] = c.Table, ["method"] = c.Method, ["rows"] = c.Rows })]),
            ["withheld"] = new JsonArray([.. withheld.Select(w => (JsonNode)new JsonObject { ["what"] = w.What, ["why"] = w.Why })]),
            ["residualCopies"] = new JsonArray(new JsonObject
            {
                ["what"] = "database backups",
                ["retention"] = $"P{BackupRetentionDays}D",
                ["expiresBy"] = now.AddDays(BackupRetentionDays).ToString("yyyy-MM-dd"),
                ["note"] = $"Backups taken before {now:yyyy-MM-dd} may still hold the erased data; they expire after {BackupRetentionDays} days.",
            }),
            ["auditChainHead"] = new JsonObject
            {
                ["seq"] = head?.Seq ?? 0,
                ["hash"] = head == null ? null : Convert.ToHexString(head.Hash).ToLowerInvariant(),
            },
        };
        var json = signer.Sign(Member, certificate);

        await db.Database.ExecuteSqlAsync($"""
            insert into deletion_certificates (tenant_id, id, issued_at, request_id, retention_run_id, subject_user_id, document)
            values ({scope.TenantId}, {id}, {now}, {scope.RequestId}, {scope.RetentionRunId}, {scope.SubjectUserId}, {json})
            """, ct);
        await audit.WriteAsync(new AuditEntry("certificate.issued", "deletion_certificate", id.ToString(), scope.SubjectUserId,
            After: new { scope.RequestId, scope.RetentionRunId, auditChainHead = head?.Seq ?? 0 }), ct);
        await tx.CommitAsync(ct);
        return new DeletionCertificate(id, now, json);
    }

    /// <summary>The district's certificate as issued, or null.</summary>
    public async Task<DeletionCertificate?> GetAsync(Guid id, CancellationToken ct = default) =>
        await db.Database.SqlQuery<DeletionCertificate>($"""
            select id as "Id", issued_at as "IssuedAt", document as "Json" from deletion_certificates where id = {id}
            """).SingleOrDefaultAsync(ct);

    /// <summary>The certificates of one compliance request (or retention run), oldest first.</summary>
    public async Task<IReadOnlyList<DeletionCertificate>> OfAsync(Guid requestOrRunId, CancellationToken ct = default) =>
        await db.Database.SqlQuery<DeletionCertificate>($"""
            select id as "Id", issued_at as "IssuedAt", document as "Json" from deletion_certificates
            where request_id = {requestOrRunId} or retention_run_id = {requestOrRunId} order by issued_at, id
            """).ToListAsync(ct);

    /// <summary>Every certificate of the district, newest first.</summary>
    public async Task<IReadOnlyList<DeletionCertificateEntry>> ListAsync(CancellationToken ct = default) =>
        await db.Database.SqlQuery<DeletionCertificateEntry>($"""
            select id as "Id", issued_at as "IssuedAt", request_id as "RequestId", retention_run_id as "RetentionRunId",
                   subject_user_id as "SubjectUserId", document as "Json"
            from deletion_certificates order by issued_at desc, id desc
            """).ToListAsync(ct);
}
