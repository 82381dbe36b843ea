using LmsCloud.Core.Sso;

namespace LmsCloud.Web.Pages.Admin.Sso;

/// <summary>
/// The provider form of the add and edit pages, as posted. The client secret is write-only: the form never carries the
/// stored one back; an empty field means "keep it" when editing. Each checkbox posts a hidden "false" after it, so an
/// unticked box reads false (the first value wins).
/// </summary>
public sealed class ProviderForm
{
    public string? DisplayName { get; set; }
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string? AllowedEmailDomains { get; set; }
    public string? SisIdClaim { get; set; }
    public bool LinkByVerifiedEmail { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>Whether the provider already has a secret (editing): the field then replaces it.</summary>
    public bool SecretSet { get; set; }

    public static ProviderForm From(IdentityProvider p) => new()
    {
        DisplayName = p.DisplayName, Authority = p.Authority, ClientId = p.ClientId,
        AllowedEmailDomains = string.Join(", ", p.AllowedEmailDomains), SisIdClaim = p.SisIdClaim,
        LinkByVerifiedEmail = p.LinkByVerifiedEmail, Enabled = p.Enabled, SecretSet = true,
    };

    /// <summary>Every field (an empty SIS id claim removes it); the secret only when one was typed.</summary>
    public IdentityProviderRequest ToRequest() => new(
        DisplayName ?? "", Authority ?? "", ClientId ?? "", string.IsNullOrEmpty(ClientSecret) ? null : ClientSecret,
        (AllowedEmailDomains ?? "").Split([',', ' ', '\n', '\r', ';'], StringSplitOptions.RemoveEmptyEntries), SisIdClaim?.Trim() ?? "",
        LinkByVerifiedEmail, Enabled);
}
