using System.Net;
using System.Net.Sockets;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Users;

namespace LmsCloud.Api.Auth;

/// <summary>The partition keys of the token endpoint's rate limits.</summary>
public static class TokenRateLimits
{
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

    /// <summary>
    /// "user|{name}" or "client|{id}" from the form, or null. The form is read here, synchronously, because a
    /// partitioner cannot await; token requests are small form posts, and the endpoint reads the same cached form.
    /// </summary>
    public static string? NameKey(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.HasFormContentType) return null;
        IFormCollection form;
        try
        {
            form = http.Request.Form;
        }
        catch (InvalidDataException) // unreadable forms are OpenIddict's to refuse
        {
            return null;
        }
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
