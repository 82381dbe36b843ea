using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using LmsCloud.Core.Sso;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Sso;

/// <summary>The id_token could not be trusted, or the provider did not complete the code exchange.</summary>
public sealed class SsoProtocolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The relying-party half of the OpenID Connect authorization code flow with PKCE, for providers that district admins
/// configure at run time.
///
/// Why not ASP.NET Core's OpenIdConnect handler: it is one authentication scheme per provider, configured at startup,
/// and ends by signing into a cookie scheme with whatever identity the provider sent. Here providers are rows of a
/// district (added, changed and removed while the API runs), every callback must run our matching rules before
/// anyone is signed in, and the redirect URI is the district's own host. Bending the handler to that (a custom
/// options monitor per provider id, its correlation and nonce cookies, OnTicketReceived to veto the sign-in) is more
/// code to read than the flow itself. The flow is small, and the parts that are easy to get wrong are not ours:
/// discovery and JWKS come from <see cref="ConfigurationManager{T}"/>, the id_token is validated by
/// <see cref="JsonWebTokenHandler"/> (signature against the provider's keys, issuer, audience, expiry), and we add
/// the nonce and <c>azp</c> checks the handler would make.
/// </summary>
public sealed class OidcCodeFlowClient(IHttpClientFactory http, IOptions<SsoOptions> options)
{
    public const string HttpClientName = "sso";

    // One discovery document (and its keys) per authority, refreshed by ConfigurationManager (12 h, or sooner on demand).
    readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _configurations = new();

    public static string DiscoveryUrl(string authority) => authority.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>The provider's discovery document, whose issuer must be the configured authority (OIDC Discovery §4.3).</summary>
    public async Task<OpenIdConnectConfiguration> ConfigurationAsync(IdentityProvider provider, CancellationToken ct)
    {
        var manager = _configurations.GetOrAdd(provider.Authority, authority => new ConfigurationManager<OpenIdConnectConfiguration>(
            DiscoveryUrl(authority), new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http.CreateClient(HttpClientName)) { RequireHttps = options.Value.RequireHttpsMetadata }));
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await manager.GetConfigurationAsync(ct);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException)
        {
            throw new SsoProtocolException($"The identity provider's discovery document ({DiscoveryUrl(provider.Authority)}) could not be read.", e);
        }
        if (!SameIssuer(configuration.Issuer, provider.Authority))
            throw new SsoProtocolException($"The provider's discovery document names the issuer '{configuration.Issuer}', not '{provider.Authority}'.");
        if (string.IsNullOrEmpty(configuration.AuthorizationEndpoint) || string.IsNullOrEmpty(configuration.TokenEndpoint))
            throw new SsoProtocolException("The provider's discovery document has no authorization or token endpoint.");
        return configuration;
    }

    /// <summary>Where to send the browser: the provider's authorization endpoint with state, nonce and the PKCE challenge (S256).</summary>
    public static string AuthorizationUrl(OpenIdConnectConfiguration configuration, IdentityProvider provider, string redirectUri, SsoFlow flow) =>
        QueryString(configuration.AuthorizationEndpoint, new()
        {
            ["response_type"] = "code",
            ["client_id"] = provider.ClientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = "openid email profile",
            ["state"] = flow.State,
            ["nonce"] = flow.Nonce,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(flow.CodeVerifier))),
            ["code_challenge_method"] = "S256",
        });

    /// <summary>Redeems the code at the provider's token endpoint and returns the validated id_token's claims about the person.</summary>
    public async Task<ExternalIdentity> RedeemAsync(IdentityProvider provider, string clientSecret, string code, string? responseIssuer,
        string redirectUri, SsoFlow flow, CancellationToken ct)
    {
        var configuration = await ConfigurationAsync(provider, ct);
        // RFC 9207: a provider that names itself in the authorization response must be the one this flow went to (mix-up).
        if (responseIssuer != null && responseIssuer != configuration.Issuer)
            throw new SsoProtocolException("The authorization response comes from another issuer than the one this sign-in went to.");
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = flow.CodeVerifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint);
        // client_secret_basic is the default a provider must support (RFC 6749 §2.3.1); post only when it lists post alone.
        var methods = configuration.TokenEndpointAuthMethodsSupported;
        if (methods.Count > 0 && !methods.Contains("client_secret_basic") && methods.Contains("client_secret_post"))
            (form["client_id"], form["client_secret"]) = (provider.ClientId, clientSecret);
        else
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
                $"{Uri.EscapeDataString(provider.ClientId)}:{Uri.EscapeDataString(clientSecret)}")));
        request.Content = new FormUrlEncodedContent(form);

        string idToken;
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            using var json = JsonDocument.Parse(body.Length == 0 ? "{}" : body);
            if (!response.IsSuccessStatusCode)
                throw new SsoProtocolException($"The identity provider refused the code ({(int)response.StatusCode} " +
                    $"{(json.RootElement.TryGetProperty("error", out var error) ? error.GetString() : "no error code")}).");
            idToken = json.RootElement.TryGetProperty("id_token", out var token) && token.ValueKind == JsonValueKind.String
                ? token.GetString()!
                : throw new SsoProtocolException("The identity provider's token response has no id_token.");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new SsoProtocolException("The identity provider's token endpoint could not be reached or answered nonsense.", e);
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = provider.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        });
        if (!result.IsValid)
            throw new SsoProtocolException($"The id_token is not valid: {result.Exception?.Message}", result.Exception);
        var claims = (JsonWebToken)result.SecurityToken;

        if (!claims.TryGetPayloadValue<string>("nonce", out var nonce) ||
            !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(nonce), System.Text.Encoding.UTF8.GetBytes(flow.Nonce)))
            throw new SsoProtocolException("The id_token's nonce is not the one this sign-in sent.");
        // A token for several audiences must name us as its authorized party (OIDC Core §3.1.3.7, items 4 and 5).
        var audiences = claims.Audiences.ToList();
        if (audiences.Count > 1 && (!claims.TryGetPayloadValue<string>("azp", out var azp) || azp != provider.ClientId))
            throw new SsoProtocolException("The id_token has several audiences and does not name this client as its authorized party.");
        if (string.IsNullOrEmpty(claims.Subject))
            throw new SsoProtocolException("The id_token has no subject.");

        return new ExternalIdentity(claims.Issuer, claims.Subject, StringClaim(claims, "email"), IsTrue(claims, "email_verified"),
            provider.SisIdClaim is { } sisClaim ? StringClaim(claims, sisClaim) : null);
    }

    static string? StringClaim(JsonWebToken token, string name) =>
        token.TryGetPayloadValue<object>(name, out var value) && value is not null ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    // Google sends a JSON boolean; a few providers send the string "true". Anything else is not verified.
    static bool IsTrue(JsonWebToken token, string name) =>
        token.TryGetPayloadValue<object>(name, out var value) && value switch
        {
            bool b => b,
            string s => string.Equals(s, "true", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };

    static bool SameIssuer(string? issuer, string authority) =>
        issuer != null && string.Equals(issuer.TrimEnd('/'), authority.TrimEnd('/'), StringComparison.Ordinal);

    static string QueryString(string endpoint, Dictionary<string, string> parameters) =>
        endpoint + (endpoint.Contains('?') ? "&" : "?") +
        string.Join("&", parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
}
