using System.Text.RegularExpressions;
using LmsCloud.Api.Auth;
using LmsCloud.Core;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Sso;

/// <summary>Create a provider (all but <c>enabled</c> required) or change one (only what is given; a new secret replaces the old).</summary>
public sealed record IdentityProviderRequest(
    string? DisplayName, string? Authority, string? ClientId, string? ClientSecret, IReadOnlyList<string>? AllowedEmailDomains,
    string? SisIdClaim, bool? LinkByVerifiedEmail, bool? Enabled);

/// <summary>A provider as the API shows it: never the client secret. <c>RedirectUri</c> is what to register at the provider.</summary>
public sealed record IdentityProviderResponse(
    Guid Id, string DisplayName, string Authority, string ClientId, IReadOnlyList<string> AllowedEmailDomains, string? SisIdClaim,
    bool LinkByVerifiedEmail, bool Enabled, string SignInUrl, string RedirectUri, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record SsoLinkResponse(Guid Id, Guid ProviderId, string Issuer, string Subject, string LinkedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt);

/// <summary><c>/api/sso/providers</c> and a user's links (<c>/api/users/{id}/sso-links</c>): district admins only.</summary>
public static partial class IdentityProviderEndpoints
{
    const int MaxUrlLength = 2000;
    const int MaxClientIdLength = 500;
    const int MaxSecretLength = 2000;
    const int MaxDomains = 50;

    public static IEndpointRouteBuilder MapIdentityProviderEndpoints(this IEndpointRouteBuilder app)
    {
        var providers = app.MapGroup("/api/sso/providers").WithTags("Single sign-on").RequireAuthorization(Policies.DistrictAdmin);
        providers.MapPost("/", CreateAsync);
        providers.MapGet("/", ListAsync);
        providers.MapGet("/{id:guid}", GetAsync);
        providers.MapPatch("/{id:guid}", UpdateAsync);
        providers.MapDelete("/{id:guid}", DeleteAsync);

        var links = app.MapGroup("/api/users/{userId:guid}/sso-links").WithTags("Single sign-on").RequireAuthorization(Policies.DistrictAdmin);
        links.MapGet("/", ListLinksAsync);
        links.MapDelete("/{linkId:guid}", UnlinkAsync);
        return app;
    }

    static async Task<Results<Created<IdentityProviderResponse>, ValidationProblem>> CreateAsync(IdentityProviderRequest request,
        LmsDbContext db, ProviderSecrets secrets, AuditLog audit, IOptions<SsoOptions> options, HttpContext http, TimeProvider clock,
        CancellationToken ct)
    {
        var errors = Validate(request, creating: true, options.Value);
        var provider = new IdentityProvider { TenantId = db.TenantId!.Value, CreatedAt = clock.GetUtcNow() };
        if (errors.Count == 0) Apply(request, provider, secrets, clock, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.IdentityProviders.Add(provider);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_created", "identity_provider", provider.Id.ToString(), After: Audited(provider)), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/sso/providers/{provider.Id}", ToResponse(provider, http));
    }

    static async Task<Ok<List<IdentityProviderResponse>>> ListAsync(LmsDbContext db, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok((await db.IdentityProviders.AsNoTracking().OrderBy(p => p.CreatedAt).ThenBy(p => p.Id).ToListAsync(ct))
            .Select(p => ToResponse(p, http)).ToList());

    static async Task<Results<Ok<IdentityProviderResponse>, NotFound>> GetAsync(Guid id, LmsDbContext db, HttpContext http, CancellationToken ct) =>
        await db.IdentityProviders.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct) is { } provider
            ? TypedResults.Ok(ToResponse(provider, http))
            : TypedResults.NotFound();

    static async Task<Results<Ok<IdentityProviderResponse>, ValidationProblem, NotFound>> UpdateAsync(Guid id, IdentityProviderRequest request,
        LmsDbContext db, ProviderSecrets secrets, AuditLog audit, IOptions<SsoOptions> options, HttpContext http, TimeProvider clock,
        CancellationToken ct)
    {
        var errors = Validate(request, creating: false, options.Value);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (provider == null) return TypedResults.NotFound();
        var before = Audited(provider);
        Apply(request, provider, secrets, clock, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_updated", "identity_provider", provider.Id.ToString(), Before: before,
            After: new { values = Audited(provider), clientSecretChanged = request.ClientSecret != null }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(ToResponse(provider, http));
    }

    /// <summary>Deletes the provider and every link made through it: its people must link again if it comes back.</summary>
    static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid id, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var provider = await db.IdentityProviders.SingleOrDefaultAsync(p => p.Id == id, ct);
        if (provider == null) return TypedResults.NotFound();
        var links = await db.SsoLinks.CountAsync(l => l.ProviderId == id, ct);
        db.IdentityProviders.Remove(provider);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.provider_deleted", "identity_provider", provider.Id.ToString(),
            Before: Audited(provider), After: new { linksRemoved = links }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static async Task<Results<Ok<List<SsoLinkResponse>>, NotFound>> ListLinksAsync(Guid userId, LmsDbContext db, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return TypedResults.NotFound();
        var links = await db.SsoLinks.AsNoTracking().Where(l => l.UserId == userId).OrderBy(l => l.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(links.Select(l => new SsoLinkResponse(l.Id, l.ProviderId, l.Issuer, l.Subject, l.LinkedBy, l.CreatedAt, l.LastSignInAt)).ToList());
    }

    /// <summary>The person's next sign-in through that provider must be matched (and linked) again.</summary>
    static async Task<Results<NoContent, NotFound>> UnlinkAsync(Guid userId, Guid linkId, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var link = await db.SsoLinks.SingleOrDefaultAsync(l => l.Id == linkId && l.UserId == userId, ct);
        if (link == null) return TypedResults.NotFound();
        db.SsoLinks.Remove(link);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.unlinked", "sso_link", link.Id.ToString(), link.UserId,
            Before: new { link.ProviderId, link.Issuer, link.Subject, link.LinkedBy }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static Dictionary<string, string[]> Validate(IdentityProviderRequest r, bool creating, SsoOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        if ((creating || r.DisplayName != null) && DistrictRules.CheckName(r.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        if (creating || r.Authority != null)
        {
            if (!Uri.TryCreate(r.Authority?.Trim(), UriKind.Absolute, out var uri) || r.Authority!.Length > MaxUrlLength ||
                (uri.Scheme != Uri.UriSchemeHttps && (options.RequireHttpsMetadata || uri.Scheme != Uri.UriSchemeHttp)) ||
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
    static void Apply(IdentityProviderRequest r, IdentityProvider p, ProviderSecrets secrets, TimeProvider clock, Dictionary<string, string[]> errors)
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

    static IdentityProviderResponse ToResponse(IdentityProvider p, HttpContext http) =>
        new(p.Id, p.DisplayName, p.Authority, p.ClientId, p.AllowedEmailDomains, p.SisIdClaim, p.LinkByVerifiedEmail, p.Enabled,
            SsoSignInEndpoints.StartUrl(http, p.Id), SsoSignInEndpoints.RedirectUri(http), p.CreatedAt, p.UpdatedAt);

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase)]
    private static partial Regex DomainPattern();

    // Also an empty string: PATCH with "" removes the claim.
    [GeneratedRegex(@"^[A-Za-z0-9_\-.:/]{0,100}$")]
    private static partial Regex ClaimPattern();
}
