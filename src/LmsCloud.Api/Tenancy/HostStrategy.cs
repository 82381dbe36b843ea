using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Tenancy;

public sealed class TenancyOptions
{
    /// <summary>Districts answer on <c>{slug}.{BaseDomain}</c>.</summary>
    public string BaseDomain { get; set; } = "localhost";
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
