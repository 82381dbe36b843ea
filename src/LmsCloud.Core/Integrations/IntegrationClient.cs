using LmsCloud.Core.Database;

namespace LmsCloud.Core.Integrations;

/// <summary>
/// A district's machine client (SIS automation) using client_credentials: the admin-facing record (table
/// <c>integration_clients</c>); the token endpoint knows it as an OpenIddict application with the same client id.
/// </summary>
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

    /// <summary>
    /// SHA-256 of the secret, kept in the admin record (the column is not null). The token endpoint checks the secret
    /// against the client's OpenIddict application, which stores its own PBKDF2 hash.
    /// </summary>
    public static byte[] HashSecret(string secret) => Users.OpaqueToken.Hash(secret);
}

/// <summary>Scopes an integration client can hold (it never holds person roles).</summary>
public static class Scopes
{
    public const string SisImport = "sis.import";

    /// <summary>OneRoster 1.2 Gradebook, read only: the SIS pulls categories, line items, results and score scales (docs/passback.md).</summary>
    public const string GradebookReadonly = "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly";

    public static readonly IReadOnlyList<string> All = [SisImport, GradebookReadonly];
}
