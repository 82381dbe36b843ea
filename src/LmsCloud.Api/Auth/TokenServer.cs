using LmsCloud.Core.Auth;
using LmsCloud.Core.Database;
using LmsCloud.Core.Integrations;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using Quartz;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Api.Auth;

/// <summary>
/// OpenIddict as our token server (docs/decisions/0006-openiddict.md): its tables in <see cref="LmsDbContext"/>
/// under RLS, the protocol endpoints, and validation of our own access tokens as the default scheme.
/// </summary>
public static class TokenServer
{
    public const string RevocationPath = "connect/revoke";
    public const string IntrospectionPath = "connect/introspect";

    public static IServiceCollection AddTokenServer(this IServiceCollection services)
    {
        services.AddOpenIddict()
            .AddCore(core => core.ReplaceApplicationManager<TenantApplication, DistrictApplicationManager>()
                .UseEntityFrameworkCore().UseDbContext<LmsDbContext>()
                .ReplaceDefaultEntities<TenantApplication, TenantAuthorization, TenantScope, TenantToken, Guid>())
            .AddServer(server =>
            {
                server.SetTokenEndpointUris(TokenEndpoint.Path.TrimStart('/'))
                    .SetRevocationEndpointUris(RevocationPath)
                    .SetIntrospectionEndpointUris(IntrospectionPath)
                    .SetAuthorizationEndpointUris(AuthorizeEndpoints.AuthorizePath.TrimStart('/'))
                    .SetUserInfoEndpointUris(AuthorizeEndpoints.UserInfoPath.TrimStart('/'))
                    .SetEndSessionEndpointUris(AuthorizeEndpoints.EndSessionPath.TrimStart('/'));
                // Discovery (/.well-known/openid-configuration) and JWKS (/.well-known/jwks) are on by default.
                server.AllowPasswordFlow().AllowClientCredentialsFlow().AllowRefreshTokenFlow().AllowAuthorizationCodeFlow();
                // Every code request carries a PKCE challenge, confidential clients too; S256 only (plain shows the verifier).
                server.RequireProofKeyForCodeExchange();
                server.Configure(o => o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                // The password grant takes no client_id (first-party apps); introspection still demands a client
                // (IntrospectionNeedsClient).
                server.AcceptAnonymousClients();
                server.RegisterScopes(OpenIddict.Abstractions.OpenIddictConstants.Scopes.OfflineAccess, Core.Integrations.Scopes.SisImport,
                    Core.Integrations.Scopes.GradebookReadonly,
                    OpenIddict.Abstractions.OpenIddictConstants.Scopes.OpenId, OpenIddict.Abstractions.OpenIddictConstants.Scopes.Profile,
                    OpenIddict.Abstractions.OpenIddictConstants.Scopes.Email);
                // Immediate reuse of a spent refresh token must count as theft, not as a retry (default leeway: 30 s).
                server.SetRefreshTokenReuseLeeway(null);
                server.DisableAccessTokenEncryption(); // plain JWS access tokens: any resource server can read them
                server.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    // TLS ends at the proxy in front of us, so requests arrive as http; the issuer and every URL we
                    // publish come from configuration (Tenancy:PublicScheme), never from the request scheme.
                    .DisableTransportSecurityRequirement();
                server.AddEventHandler(DistrictIssuer.Server);
                server.AddEventHandler(RefreshTokenReuse.Descriptor);
                server.AddEventHandler(IntrospectionNeedsClient.Descriptor);
                server.AddEventHandler(SignOutRevokesSignIn.Descriptor);
                foreach (var descriptor in ClientIdShape.Descriptors.Concat(UnreadableForm.Descriptors)) server.AddEventHandler(descriptor);
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                validation.UseAspNetCore();
                // Each API request reads its access token's row, so a revoked sign-in stops at once (docs/security.md).
                validation.EnableTokenEntryValidation();
                validation.AddEventHandler(DistrictIssuer.Validation);
                validation.AddEventHandler(DistrictClaimCheck.Descriptor);
            });

        services.AddOptions<OpenIddictServerOptions>().Configure<SigningKeys, IOptions<AuthOptions>>((server, keys, auth) =>
        {
            foreach (var key in keys.Signing) server.SigningCredentials.Add(new(key, SigningKeys.Algorithm));
            server.EncryptionCredentials.Add(new(keys.Encryption, SecurityAlgorithmsA256Kw, SecurityAlgorithmsA256CbcHs512));
            server.AccessTokenLifetime = auth.Value.AccessTokenLifetime;
            server.RefreshTokenLifetime = auth.Value.RefreshTokenLifetime;
            server.TokenValidationParameters.TryAllIssuerSigningKeys = false; // a token's kid must name one of our keys
        });
        services.AddOptions<OpenIddictValidationOptions>().Configure<SigningKeys, IOptions<AuthOptions>>((validation, keys, auth) =>
        {
            validation.Audiences.Add(auth.Value.Audience);
            validation.TokenValidationParameters.TryAllIssuerSigningKeys = false;
            validation.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
            // Retired keys given as public keys only: OpenIddict's server cannot hold them, its validation can.
            validation.TokenValidationParameters.IssuerSigningKeys = keys.Retired;
        });

        services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);

        // Quartz itself (clustered store, hosted service) is set up by AddRostering; this adds one nightly job.
        services.AddScoped<TokenPruning>();
        services.AddQuartz(q => q.ScheduleJob<TokenPruning>(
            trigger => trigger.WithIdentity("token-pruning").WithCronSchedule("0 15 3 * * ?", cron => cron.InTimeZone(TimeZoneInfo.Utc)),
            job => job.WithIdentity(TokenPruning.Key)));
        return services;
    }

    const string SecurityAlgorithmsA256Kw = Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256KW;
    const string SecurityAlgorithmsA256CbcHs512 = Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256CbcHmacSha512;
}
