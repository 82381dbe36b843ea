using System.Text;

namespace LmsCloud.Api.Auth;

/// <summary>
/// <c>POST /connect/token</c> in OAuth 2.0 shape (RFC 6749): form fields in, <c>{access_token, ...}</c> or
/// <c>{error, error_description}</c> out, with the RFC's status codes. Rate limited per district and client address.
/// </summary>
public static class TokenEndpoint
{
    public const string RateLimitPolicy = "token";

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connect/token", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy)
            .DisableAntiforgery()
            .WithTags("Auth")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .Produces<TokenResponse>()
            .Produces(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized);
        return app;
    }

    static async Task<IResult> HandleAsync(HttpContext http, TokenService tokens, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return Error(http, new OAuthError("invalid_request", "Send the parameters as application/x-www-form-urlencoded."));
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (InvalidDataException e) // the form reader refuses NUL (%00) and forms past its limits
        {
            return Error(http, new OAuthError("invalid_request", $"The form cannot be read: {e.Message}"));
        }
        string? Field(string name) => form[name].Count == 1 && form[name][0] is { Length: > 0 } v ? v : null;

        var outcome = Field("grant_type") switch
        {
            "password" when Field("username") is { } user && Field("password") is { } password =>
                await tokens.PasswordAsync(user, password, ct),
            "password" => new OAuthError("invalid_request", "The password grant needs username and password."),
            "refresh_token" when Field("refresh_token") is { } refresh => await tokens.RefreshAsync(refresh, ct),
            "refresh_token" => new OAuthError("invalid_request", "The refresh_token grant needs refresh_token."),
            "client_credentials" when (BasicCredentials(http) ?? (Field("client_id"), Field("client_secret"))) is ({ } id, { } secret) =>
                await tokens.ClientCredentialsAsync(id, secret, Field("scope"), ct),
            "client_credentials" => TokenService.BadClient,
            null => new OAuthError("invalid_request", "grant_type is required."),
            var other => new OAuthError("unsupported_grant_type", $"The grant type '{other}' is not supported."),
        };
        return outcome.Token is { } token ? Success(http, token) : Error(http, outcome.Error!);
    }

    /// <summary>Client id and secret from HTTP Basic (RFC 6749 §2.3.1), or null when the header is not Basic.</summary>
    static (string?, string?)? BasicCredentials(HttpContext http)
    {
        string? header = http.Request.Headers.Authorization;
        if (header?.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) != true) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':');
            if (colon > 0) return (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
        }
        return (null, null);
    }

    static IResult Success(HttpContext http, TokenResponse token)
    {
        NoStore(http);
        return TypedResults.Json(new Dictionary<string, object?>
        {
            ["access_token"] = token.AccessToken,
            ["token_type"] = token.TokenType,
            ["expires_in"] = token.ExpiresIn,
            ["refresh_token"] = token.RefreshToken,
            ["scope"] = token.Scope,
        }.Where(kv => kv.Value != null).ToDictionary());
    }

    static IResult Error(HttpContext http, OAuthError error)
    {
        NoStore(http);
        if (error.Status == StatusCodes.Status401Unauthorized)
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"lmscloud\"";
        return TypedResults.Json(new { error = error.Error, error_description = error.Description }, statusCode: error.Status);
    }

    static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
    }
}
