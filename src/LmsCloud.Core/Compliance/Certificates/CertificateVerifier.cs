using System.Text.Json;
using LmsCloud.Core.Compliance.Signing;

namespace LmsCloud.Core.Compliance.Certificates;

/// <summary>
/// Checks a deletion certificate as issued by <see cref="DeletionCertificates"/>: signed by a platform key, unchanged since,
/// and of our schema. <c>lms compliance verify-certificate</c> (offline) and the certificates page (server-side) both use it.
/// </summary>
public static class CertificateVerifier
{
    /// <summary>Null when the document is intact, else the first problem in words; <paramref name="certificate"/> is the signed member.</summary>
    public static string? Check(PlatformSigner signer, byte[] document, out JsonElement certificate) =>
        signer.Verify(DeletionCertificates.Member, document, out certificate) ?? ContentProblem(certificate);

    /// <summary>A signed document that is not a certificate we issue (another schema) is not taken for one.</summary>
    static string? ContentProblem(JsonElement c)
    {
        if (!c.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != DeletionCertificates.SchemaVersion)
            return $"schemaVersion is not {DeletionCertificates.SchemaVersion}";
        foreach (var (name, kind) in new[] { ("id", JsonValueKind.String), ("scope", JsonValueKind.Object), ("tables", JsonValueKind.Array),
                     ("withheld", JsonValueKind.Array), ("residualCopies", JsonValueKind.Array), ("auditChainHead", JsonValueKind.Object) })
            if (!c.TryGetProperty(name, out var value) || value.ValueKind != kind) return $"\"{name}\" is missing or not {kind.ToString().ToLowerInvariant()}";
        return null;
    }
}
