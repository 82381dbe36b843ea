using System.Security.Cryptography;
using LmsCloud.Core.Database;

namespace LmsCloud.Core.Integrations;

/// <summary>A district's machine client (SIS automation) using client_credentials; table <c>integration_clients</c>.</summary>
public sealed class IntegrationClient : ITenantOwned
{
    /// <summary>Our client ids are 24 characters (lms_ and 20 hex digits); anything much longer is refused before it is looked up or audited.</summary>
    public const int MaxClientIdLength = 100;

    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string ClientId { get; set; } = "";
    public string Name { get; set; } = "";
    public byte[] SecretHash { get; set; } = [];
    public string[] Scopes { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Secrets are 256 random bits, so one SHA-256 is enough to store them (no slow hash needed).</summary>
    public static byte[] HashSecret(string secret) => Users.OpaqueToken.Hash(secret);

    public bool SecretMatches(string secret) => CryptographicOperations.FixedTimeEquals(HashSecret(secret), SecretHash);
}

/// <summary>Scopes an integration client can hold (it never holds person roles).</summary>
public static class Scopes
{
    public const string SisImport = "sis.import";
    public static readonly IReadOnlyList<string> All = [SisImport];
}
