using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Tenancy;

public sealed class TenancyOptions
{
    /// <summary>Districts answer on <c>{slug}.{BaseDomain}</c>.</summary>
    public string BaseDomain { get; set; } = "localhost";

    /// <summary>
    /// How clients reach a district from outside: https behind TLS (the default), http and a port on a developer's
    /// machine. The district's public URL (its token issuer) is built from these, never from the request's scheme,
    /// which reads http behind a TLS-terminating proxy.
    /// </summary>
    public string PublicScheme { get; set; } = "https";

    /// <summary>The public port when it is not the scheme's default (5080 in Development).</summary>
    public int? PublicPort { get; set; }

    /// <summary>The district's base URL, <c>{scheme}://{slug}.{BaseDomain}[:port]/</c>: its issuer.</summary>
    public Uri DistrictUrl(string slug) =>
        new UriBuilder(PublicScheme, $"{slug}.{BaseDomain.Trim('.')}", PublicPort ?? -1, "/").Uri;
}

/// <summary>
/// The tenant comes from the host name only: <c>{slug}.{BaseDomain}</c> with the slug a single DNS label. Never from
/// a header, route or body the client chooses.
/// </summary>
public sealed class HostStrategy(IOptions<TenancyOptions> options) : IMultiTenantStrategy
{
    public Task<string?> GetIdentifierAsync(object context, CancellationToken ct) =>
        Task.FromResult(context is HttpContext http ? SlugFromHost(RawHost(http.Request), options.Value.BaseDomain) : null);

    /// <summary>
    /// The host name as the client sent it, without the port. Not <c>Request.Host</c>: that decodes punycode labels
    /// (<c>xn--</c>) with IdnMapping, which throws on a malformed one; a slug is plain ASCII anyway.
    /// </summary>
    public static string RawHost(HttpRequest request) => new HostString(request.Headers.Host.ToString()).Host;

    public static string? SlugFromHost(string host, string baseDomain)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        var suffix = "." + baseDomain.Trim('.').ToLowerInvariant();
        if (!host.EndsWith(suffix, StringComparison.Ordinal)) return null;
        var label = host[..^suffix.Length];
        return District.SlugPattern().IsMatch(label) ? label : null;
    }
}
