using LmsCloud.Api.Tenancy;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Auth;
using LmsCloud.Core.Database;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ServerEvents = OpenIddict.Server.OpenIddictServerEvents;
using ValidationEvents = OpenIddict.Validation.OpenIddictValidationEvents;

namespace LmsCloud.Api.Auth;

// OpenIddict event handlers that make each district its own issuer and keep its tokens to its host. Registered in
// AuthExtensions.AddTokenServer.

/// <summary>
/// The issuer is the district's configured URL (<see cref="TenancyOptions.DistrictUrl"/>), not the request's scheme
/// and host: behind a TLS-terminating proxy the request reads http. Discovery, JWKS, <c>iss</c> and the issuer check
/// of tokens all follow it. Runs right after OpenIddict reads the request URI, on the server and in validation.
/// </summary>
public sealed class DistrictIssuer(IMultiTenantContextAccessor<District> tenant, IOptions<TenancyOptions> tenancy)
    : IOpenIddictServerHandler<ServerEvents.ProcessRequestContext>, IOpenIddictValidationHandler<ValidationEvents.ProcessRequestContext>
{
    public static readonly OpenIddictServerHandlerDescriptor Server = OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ProcessRequestContext>()
        .UseSingletonHandler<DistrictIssuer>()
        .SetOrder(OpenIddictServerAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public static readonly OpenIddictValidationHandlerDescriptor Validation = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationEvents.ProcessRequestContext>()
        .UseSingletonHandler<DistrictIssuer>()
        .SetOrder(OpenIddictValidationAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 1)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ServerEvents.ProcessRequestContext context)
    {
        (context.BaseUri, context.RequestUri) = Canonical(context.RequestUri);
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(ValidationEvents.ProcessRequestContext context)
    {
        (context.BaseUri, context.RequestUri) = Canonical(context.RequestUri);
        return ValueTask.CompletedTask;
    }

    (Uri?, Uri?) Canonical(Uri? requestUri)
    {
        // No district (an excluded endpoint): no issuer, so no token validates and none is issued.
        if (tenant.MultiTenantContext.TenantInfo is not { } district) return (null, requestUri);
        var baseUri = tenancy.Value.DistrictUrl(district.Slug);
        return (baseUri, requestUri == null ? null : new Uri(baseUri, requestUri.PathAndQuery.TrimStart('/')));
    }
}

/// <summary>
/// An access token's <c>tid</c> must be the host's district. The issuer check already refuses another district's
/// tokens; this catches a token that names one district's issuer and another's <c>tid</c>.
/// </summary>
public sealed class DistrictClaimCheck(IMultiTenantContextAccessor<District> tenant) : IOpenIddictValidationHandler<ValidationEvents.ProcessAuthenticationContext>
{
    public static readonly OpenIddictValidationHandlerDescriptor Descriptor = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationEvents.ProcessAuthenticationContext>()
        .UseSingletonHandler<DistrictClaimCheck>()
        .SetOrder(OpenIddictValidationHandlers.ValidateAccessToken.Descriptor.Order + 1)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ValidationEvents.ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal is { } principal && principal.GetClaim("tid") != tenant.MultiTenantContext.TenantInfo?.Id)
            context.Reject(Errors.InvalidToken, "The access token was issued for another district.");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A refresh token that was already used comes back: someone holds a copy. End the whole sign-in (the authorization
/// and every token of it, the thief's and the user's) and audit it, in one transaction. Runs just before OpenIddict's
/// own token-entry check, which would refuse it too but leave the authorization standing.
/// </summary>
public sealed class RefreshTokenReuse(LmsDbContext db, IOpenIddictTokenManager tokens, AuditLog audit)
    : IOpenIddictServerHandler<ServerEvents.ValidateTokenContext>
{
    public static readonly OpenIddictServerHandlerDescriptor Descriptor = OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateTokenContext>()
        .UseScopedHandler<RefreshTokenReuse>()
        .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ServerEvents.ValidateTokenContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || context.Principal is not { } principal ||
            principal.GetTokenType() != TokenTypeIdentifiers.RefreshToken || principal.GetTokenId() is not { } tokenId)
            return;
        var token = await tokens.FindByIdAsync(tokenId);
        if (token == null || !await tokens.HasStatusAsync(token, Statuses.Redeemed)) return;

        var authorizationId = await tokens.GetAuthorizationIdAsync(token);
        var subject = await tokens.GetSubjectAsync(token);
        await using var tx = await db.Database.BeginTransactionAsync();
        if (Guid.TryParse(authorizationId, out var authorization)) await SignIns.RevokeAuthorizationAsync(db, authorization);
        await audit.WriteAsync(new AuditEntry("refresh_token.reuse_detected", "authorization", authorizationId,
            Guid.TryParse(subject, out var user) ? user : null,
            Reason: "a rotated refresh token was presented again; the sign-in is revoked", Actor: AuditActor.Anonymous));
        await tx.CommitAsync();
        context.Reject(Errors.InvalidGrant, "The refresh token is invalid, expired or revoked.");
    }
}

/// <summary>
/// Refuses client ids that cannot be ours (too long, or NUL, which PostgreSQL text cannot hold) before OpenIddict looks
/// them up, on every endpoint that authenticates a client.
/// </summary>
public sealed class ClientIdShape :
    IOpenIddictServerHandler<ServerEvents.ValidateTokenRequestContext>,
    IOpenIddictServerHandler<ServerEvents.ValidateRevocationRequestContext>,
    IOpenIddictServerHandler<ServerEvents.ValidateIntrospectionRequestContext>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors =>
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateTokenRequestContext>().UseSingletonHandler<ClientIdShape>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateRevocationRequestContext>().UseSingletonHandler<ClientIdShape>()
            .SetOrder(OpenIddictServerHandlers.Revocation.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateIntrospectionRequestContext>().UseSingletonHandler<ClientIdShape>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthentication.Descriptor.Order - 1).SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(ServerEvents.ValidateTokenRequestContext context) => Check(context, context.Request.ClientId);
    public ValueTask HandleAsync(ServerEvents.ValidateRevocationRequestContext context) => Check(context, context.Request.ClientId);
    public ValueTask HandleAsync(ServerEvents.ValidateIntrospectionRequestContext context) => Check(context, context.Request.ClientId);

    static ValueTask Check(ServerEvents.BaseValidatingContext context, string? clientId)
    {
        if (clientId?.Contains('\0') == true)
            context.Reject(Errors.InvalidRequest, "client_id may not contain NUL (U+0000).");
        else if (clientId?.Length > IntegrationClient.MaxClientIdLength)
            context.Reject(Errors.InvalidRequest, $"client_id is longer than {IntegrationClient.MaxClientIdLength} characters.");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Introspection answers authenticated clients only. OpenIddict lets anonymous callers introspect once anonymous
/// clients are accepted (which the password grant needs): refuse a request without a client id.
/// </summary>
public sealed class IntrospectionNeedsClient : IOpenIddictServerHandler<ServerEvents.ValidateIntrospectionRequestContext>
{
    public static readonly OpenIddictServerHandlerDescriptor Descriptor = OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateIntrospectionRequestContext>()
        .UseSingletonHandler<IntrospectionNeedsClient>()
        .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthentication.Descriptor.Order - 2)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ServerEvents.ValidateIntrospectionRequestContext context)
    {
        if (string.IsNullOrEmpty(context.Request.ClientId))
            context.Reject(Errors.InvalidClient, "Introspection needs client authentication (client_id and client_secret).");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A form the reader refuses (a NUL, %00, or past its limits) is the client's error, RFC 6749 <c>invalid_request</c>,
/// not a 500: OpenIddict's own extraction would let the reader's exception through.
/// </summary>
public sealed class UnreadableForm :
    IOpenIddictServerHandler<ServerEvents.ExtractTokenRequestContext>,
    IOpenIddictServerHandler<ServerEvents.ExtractRevocationRequestContext>,
    IOpenIddictServerHandler<ServerEvents.ExtractIntrospectionRequestContext>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors =>
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ExtractTokenRequestContext>().UseSingletonHandler<UnreadableForm>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractPostRequest<ServerEvents.ExtractTokenRequestContext>.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ExtractRevocationRequestContext>().UseSingletonHandler<UnreadableForm>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractPostRequest<ServerEvents.ExtractRevocationRequestContext>.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ExtractIntrospectionRequestContext>().UseSingletonHandler<UnreadableForm>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ExtractPostRequest<ServerEvents.ExtractIntrospectionRequestContext>.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public ValueTask HandleAsync(ServerEvents.ExtractTokenRequestContext context) => CheckAsync(context);
    public ValueTask HandleAsync(ServerEvents.ExtractRevocationRequestContext context) => CheckAsync(context);
    public ValueTask HandleAsync(ServerEvents.ExtractIntrospectionRequestContext context) => CheckAsync(context);

    static async ValueTask CheckAsync(ServerEvents.BaseValidatingContext context)
    {
        var request = context.Transaction.GetHttpRequest();
        if (request is not { HasFormContentType: true }) return; // OpenIddict answers invalid_request itself
        try
        {
            await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            context.Reject(Errors.InvalidRequest, $"The form cannot be read: {e.Message}");
        }
    }
}

/// <summary>
/// Signing out is revoking the refresh token (RFC 7009). OpenIddict revokes that one token; end the whole sign-in, so
/// its access tokens are refused on the next request too.
/// </summary>
public sealed class SignOutRevokesSignIn(LmsDbContext db) : IOpenIddictServerHandler<ServerEvents.HandleRevocationRequestContext>
{
    public static readonly OpenIddictServerHandlerDescriptor Descriptor = OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.HandleRevocationRequestContext>()
        .UseScopedHandler<SignOutRevokesSignIn>()
        .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ServerEvents.HandleRevocationRequestContext context)
    {
        if (context.IsRejected || context.GenericTokenPrincipal is not { } principal) return;
        if (principal.GetTokenType() == TokenTypeIdentifiers.RefreshToken && Guid.TryParse(principal.GetAuthorizationId(), out var authorization))
            await SignIns.RevokeAuthorizationAsync(db, authorization);
    }
}
