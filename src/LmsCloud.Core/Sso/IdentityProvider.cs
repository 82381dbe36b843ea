using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Sso;

/// <summary>
/// An OpenID Connect identity provider a district signs its people in with (table <c>identity_providers</c>). The
/// client secret is stored as Data Protection ciphertext (IdentityProviders protects it through the API's ProviderSecrets; the sign-in flow unprotects it).
/// </summary>
public sealed class IdentityProvider : ITenantOwned
{
    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public string DisplayName { get; set; } = "";

    /// <summary>The provider's issuer URL; its discovery document is at <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string Authority { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string ClientSecretProtected { get; set; } = "";

    /// <summary>Lower-case domains; a verified email links a person only when its domain is one of these.</summary>
    public string[] AllowedEmailDomains { get; set; } = [];

    /// <summary>The id_token claim that carries the person's SIS identifier (e.g. <c>employee_id</c>), or null for none.</summary>
    public string? SisIdClaim { get; set; }

    public bool LinkByVerifiedEmail { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A person at an identity provider (issuer + subject) linked to a user of the district (table <c>sso_links</c>).</summary>
public sealed class SsoLink : ITenantOwned
{
    public const string BySisId = "sis_id";
    public const string ByVerifiedEmail = "verified_email";

    public Guid TenantId { get; set; }
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public Guid ProviderId { get; set; }
    public string Issuer { get; set; } = "";
    public string Subject { get; set; } = "";
    public string LinkedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
}

sealed class IdentityProviderConfiguration : IEntityTypeConfiguration<IdentityProvider>
{
    public void Configure(EntityTypeBuilder<IdentityProvider> e) => e.ToTable("identity_providers").HasKey(x => new { x.TenantId, x.Id });
}

sealed class SsoLinkConfiguration : IEntityTypeConfiguration<SsoLink>
{
    public void Configure(EntityTypeBuilder<SsoLink> e) => e.ToTable("sso_links").HasKey(x => new { x.TenantId, x.Id });
}
