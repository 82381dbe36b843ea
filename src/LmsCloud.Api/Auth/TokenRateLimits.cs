using System.Net;
using System.Net.Sockets;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Users;

namespace LmsCloud.Api.Auth;

/// <summary>The partition keys of the sign-in rate limits (the token endpoint and the browser's sign-in form).</summary>
public static class TokenRateLimits
{
    /// <summary>The paths whose form the per-name limit reads: every way to try a password or a client secret.</summary>
    public static bool IsSignIn(PathString path) =>
        path.Equals(TokenEndpoint.Path, StringComparison.OrdinalIgnoreCase) || path.Equals(AccountEndpoints.SignInPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads a sign-in form asynchronously before the rate limiter runs: its partitioner cannot await, and reading the
    /// form there (synchronously) would block a thread for as long as a slow client takes to send it.
    /// </summary>
    public static IApplicationBuilder UseSignInFormBuffering(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType && IsSignIn(http.Request.Path))
            try
            {
                await http.Request.ReadFormAsync(http.RequestAborted);
            }
            catch (InvalidDataException) // unreadable forms are refused by the endpoint (or OpenIddict) itself
            {
            }
        await next(http);
    });

    /// <summary>An IPv4 address as it is; an IPv6 address by its /64, which one client usually holds whole.</summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address == null) return "";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>"user|{name}" or "client|{id}" from the form read by <see cref="UseSignInFormBuffering"/>, or null.</summary>
    public static string? NameKey(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.HasFormContentType) return null;
        var form = http.Features.Get<Microsoft.AspNetCore.Http.Features.IFormFeature>()?.Form;
        if (form == null) return null; // unread: not a sign-in path, or unreadable
        // Names too long to be real are refused before lookup anyway; they must not become keys the limiter keeps.
        if (form["username"] is [{ Length: > 0 and <= PasswordSignIn.MaxUserNameLength } user]) return $"user|{user.Trim().ToUpperInvariant()}";
        if ((form["client_id"] is [{ } id] ? id : BasicClientId(http.Request.Headers.Authorization)) is { Length: > 0 and <= IntegrationClient.MaxClientIdLength } client)
            return $"client|{client}";
        return null;
    }

    static string? BasicClientId(string? header)
    {
        if (header?.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) != true) return null;
        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':');
            return colon > 0 ? Uri.UnescapeDataString(decoded[..colon]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
