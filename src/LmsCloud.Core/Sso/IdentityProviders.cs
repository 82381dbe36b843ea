using System.Text.RegularExpressions;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Core.Sso;

/// <summary>Create a provider (all but <c>enabled</c> required) or change one (only what is given; a new secret replaces the old).</summary>
public sealed record IdentityProviderRequest(
    string? DisplayName, string? Authority, string? ClientId, string? ClientSecret, IReadOnlyList<string>? AllowedEmailDomains,
    string? SisIdClaim, bool? LinkByVerifiedEmail, bool? Enabled);

/// <summary>
/// The district's identity providers (docs/security.md, "District SSO"): their rules, and each change in one
/// transaction with its audit event. The client secret is write-only: protected here on its way in
/// (<see cref="IProviderSecretProtector"/>), never given back. Used by the API (<c>/api/sso/providers</c>) and the admin pages.
/// </summary>
public sealed partial class IdentityProviders(LmsDbContext db, IProviderSecretProtector secrets, AuditLog audit, IOptions<SsoOptions> options, TimeProvider clock)
{
    const int MaxUrlLength = 2000;
    const int MaxClientIdLength = 500;
    const int MaxSecretLength = 2000;
    const int MaxDomains = 50;

    /// <summary>Oldest first; <paramref name="take"/> null for all of them (the API), else one page (the admin page).</summary>
    public Task<List<IdentityProvider>> ListAsync(int skip = 0, int? take = null, CancellationToken ct = default)
    {
        var query = db.IdentityProviders.AsNoTracking().OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).Skip(skip);
        return (take == null ? query : query.Take(take.Value)).ToListAsync(ct);
    }

    public Task<IdentityProvider?> FindAsync(Guid id, CancellationToken ct = default) =>
        db.IdentityProviders.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct);

    public async Task<AdminOutcome<IdentityProvider>> CreateAsync(IdentityProviderRequest request, CancellationToken ct = default)
    {
        var errors = Validate(request, creating: true);
        var provider = new IdentityProvider { TenantId = db.TenantId!.Value, CreatedAt = clock.GetUtcNow() };
        if (errors.Count == 0) Apply(request, provider, errors);
        if (errors.Count > 0) return new AdminOutcome<IdentityProvider>(null, errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.IdentityProviders.Add(provider);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_created", "identity_provider", provider.Id.ToString(), After: Audited(provider)), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<IdentityProvider>(provider);
    }

    public async Task<AdminOutcome<IdentityProvider>> UpdateAsync(Guid id, IdentityProviderRequest request, CancellationToken ct = default)
    {
        var errors = Validate(request, creating: false);
        if (errors.Count > 0) return new AdminOutcome<IdentityProvider>(null, errors);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (provider == null) return AdminOutcome<IdentityProvider>.Missing;
        var before = Audited(provider);
        Apply(request, provider, errors);
        if (errors.Count > 0) return new AdminOutcome<IdentityProvider>(null, errors);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_updated", "identity_provider", provider.Id.ToString(), Before: before,
            After: new { values = Audited(provider), clientSecretChanged = request.ClientSecret != null }), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<IdentityProvider>(provider);
    }

    /// <summary>Deletes the provider and every link made through it: its people must link again if it comes back. False when there is none.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (provider == null) return false;
        var links = await db.SsoLinks.CountAsync(l => l.ProviderId == id, ct);
        db.IdentityProviders.Remove(provider);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_deleted", "identity_provider", provider.Id.ToString(),
            Before: Audited(provider), After: new { linksRemoved = links }), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    Dictionary<string, string[]> Validate(IdentityProviderRequest r, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if ((creating || r.DisplayName != null) && DistrictRules.CheckName(r.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        if (creating || r.Authority != null)
        {
            if (!Uri.TryCreate(r.Authority?.Trim(), UriKind.Absolute, out var uri) || r.Authority!.Length > MaxUrlLength ||
                (uri.Scheme != Uri.UriSchemeHttps && (options.Value.RequireHttpsMetadata || uri.Scheme != Uri.UriSchemeHttp)) ||
                uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
                errors["authority"] = [$"The provider's issuer URL is required: an absolute https URL of at most {MaxUrlLength} characters, " +
                    "without query or fragment (e.g. https://accounts.google.com)."];
        }
        if ((creating || r.ClientId != null) && (string.IsNullOrWhiteSpace(r.ClientId) || r.ClientId.Length > MaxClientIdLength ||
                                                 TextRules.HasControlCharacters(r.ClientId)))
            errors["clientId"] = [$"The client id the provider issued is required: 1 to {MaxClientIdLength} characters, no control characters."];
        if ((creating || r.ClientSecret != null) && (string.IsNullOrEmpty(r.ClientSecret) || r.ClientSecret.Length > MaxSecretLength ||
                                                     TextRules.HasControlCharacters(r.ClientSecret)))
            errors["clientSecret"] = [$"The client secret the provider issued is required: 1 to {MaxSecretLength} characters, no control characters."];
        if (r.AllowedEmailDomains is { } domains &&
            (domains.Count > MaxDomains || domains.Any(d => d == null || !DomainPattern().IsMatch(d.Trim()))))
            errors["allowedEmailDomains"] = [$"At most {MaxDomains} domain names such as district.example.org (no @, no wildcards)."];
        if (r.SisIdClaim != null && !ClaimPattern().IsMatch(r.SisIdClaim))
            errors["sisIdClaim"] = ["A claim name of 1 to 100 letters, digits or _ - . : / (e.g. employee_id), or null for none."];
        return errors;
    }

    /// <summary>Copies what the request gives onto the provider; then checks the rules that need the whole provider.</summary>
    void Apply(IdentityProviderRequest r, IdentityProvider p, Dictionary<string, string[]> errors)
    {
        if (r.DisplayName != null) p.DisplayName = r.DisplayName.Trim();
        if (r.Authority != null) p.Authority = r.Authority.Trim();
        if (r.ClientId != null) p.ClientId = r.ClientId.Trim();
        if (r.ClientSecret != null) p.ClientSecretProtected = secrets.Protect(p.TenantId, r.ClientSecret);
        if (r.AllowedEmailDomains != null) p.AllowedEmailDomains = r.AllowedEmailDomains.Select(d => d.Trim().ToLowerInvariant()).Distinct().ToArray();
        if (r.SisIdClaim != null) p.SisIdClaim = r.SisIdClaim.Length == 0 ? null : r.SisIdClaim;
        if (r.LinkByVerifiedEmail != null) p.LinkByVerifiedEmail = r.LinkByVerifiedEmail.Value;
        if (r.Enabled != null) p.Enabled = r.Enabled.Value;
        p.UpdatedAt = clock.GetUtcNow();

        if (p.LinkByVerifiedEmail && p.AllowedEmailDomains.Length == 0)
            errors["allowedEmailDomains"] = ["Linking by verified email needs at least one allowed domain."];
        if (!p.LinkByVerifiedEmail && p.SisIdClaim == null)
            errors["sisIdClaim"] = ["Give a SIS id claim, or allow linking by verified email: otherwise nobody can ever be matched."];
    }

    static object Audited(IdentityProvider p) =>
        new { p.DisplayName, p.Authority, p.ClientId, p.AllowedEmailDomains, p.SisIdClaim, p.LinkByVerifiedEmail, p.Enabled };

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase)]
    private static partial Regex DomainPattern();

    // Also an empty string: PATCH with "" removes the claim.
    [GeneratedRegex(@"^[A-Za-z0-9_\-.:/]{0,100}$")]
    private static partial Regex ClaimPattern();
}
