using System.Security.Claims;
using System.Text.Encodings.Web;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Auth;

/// <summary>Shaped like JwtBearerOptions (which cannot be restored here) so the package can be swapped back in.</summary>
public sealed class JwtAuthenticationOptions : AuthenticationSchemeOptions
{
    public TokenValidationParameters TokenValidationParameters { get; set; } = new();
    public bool MapInboundClaims { get; set; }
}

/// <summary>
/// Validates <c>Authorization: Bearer</c> access tokens with <see cref="JsonWebTokenHandler"/> (pinned ES256, issuer,
/// audience, lifetime, key by <c>kid</c>) and refuses a token whose <c>tid</c> is not the district of the host.
/// </summary>
public sealed class JwtAuthenticationHandler(
    IOptionsMonitor<JwtAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IMultiTenantContextAccessor<District> tenant, IProblemDetailsService problems)
    : AuthenticationHandler<JwtAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    const string FailureKey = "lms.auth.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header == null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        if (tenant.MultiTenantContext.TenantInfo is not { } district) return AuthenticateResult.NoResult(); // tokens live in a district

        var handler = new JsonWebTokenHandler { MapInboundClaims = Options.MapInboundClaims };
        var result = await handler.ValidateTokenAsync(header["Bearer ".Length..].Trim(), Options.TokenValidationParameters);
        if (!result.IsValid) return Fail("The access token is invalid or expired.");
        if (result.ClaimsIdentity.FindFirst("tid")?.Value != district.Id)
            return Fail("The access token was issued for another district.");

        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items[FailureKey] as string;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failure == null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{failure}\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 401, Title = "Unauthorized", Detail = failure ?? "Sign in: send an access token from /connect/token." },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 403, Title = "Forbidden", Detail = "Your role does not allow this." },
        });
    }
}
