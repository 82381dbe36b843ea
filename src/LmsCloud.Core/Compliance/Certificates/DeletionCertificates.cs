namespace LmsCloud.Core.Compliance.Certificates;

using LmsCloud.Core.Compliance.Erasure;
using Withheld = LmsCloud.Core.Compliance.Erasure.Withheld; // not the data map's withheld column

/// <summary>What a certificate covers: the district, the erasure request or retention run, the person (by id only).</summary>
public sealed record CertificateScope(Guid TenantId, Guid? RequestId, Guid? RetentionRunId, Guid? SubjectUserId);

/// <summary>An issued certificate: its id and the signed JSON document as stored and downloaded.</summary>
public sealed record DeletionCertificate(Guid Id, DateTimeOffset IssuedAt, string Json);

public sealed class DeletionCertificates
{
    public Task<DeletionCertificate> IssueAsync(CertificateScope scope, IReadOnlyList<TableCount> counts, IReadOnlyList<Withheld> withheld,
        CancellationToken ct = default) => throw new NotImplementedException();
}
