using LmsCloud.Core.Rostering;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LmsCloud.Web.Imports;

/// <summary>
/// A page's package upload form (<c>multipart/form-data</c>), streamed into storage by <see cref="PackageUpload"/> exactly as
/// the API's upload is, never buffered by the form reader. Its antiforgery token is therefore checked here, from the
/// form field the page puts first (pages of this kind carry <c>[IgnoreAntiforgeryToken]</c>, which would read the
/// whole body to find the token), before a byte of the file is stored.
/// </summary>
public static class UploadForm
{
    /// <summary>Stores the posted package under <paramref name="key"/>, or says why not; the fields that came before the file.</summary>
    public static async Task<(StoredPackage? Package, UploadRefusal? Refusal, IReadOnlyDictionary<string, string> Fields)> StoreAsync(
        HttpContext http, string key, CancellationToken ct)
    {
        var services = http.RequestServices;
        IReadOnlyDictionary<string, string> fields = new Dictionary<string, string>();
        var (package, refusal) = await PackageUpload.StoreAsync(http.Request, services.GetRequiredService<IFileStorage>(), key,
            services.GetRequiredService<IOptions<SisOptions>>().Value.MaxUploadBytes, ct, async before =>
            {
                fields = before;
                return await IsTokenValidAsync(http, before) ? null : FormRefused;
            });
        return (package, refusal, fields);
    }

    public static readonly UploadRefusal FormRefused = new(StatusCodes.Status400BadRequest, "Form refused",
        "The form expired or did not come from this page. Open the page again and send the file once more.");

    /// <summary>The antiforgery check of the whole form, on the token field alone: a request made of the cookie and that token.</summary>
    static async Task<bool> IsTokenValidAsync(HttpContext http, IReadOnlyDictionary<string, string> fields)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value;
        if (!fields.TryGetValue(options.FormFieldName, out var token) || options.HeaderName == null) return false;
        var probe = new DefaultHttpContext { User = http.User, RequestServices = http.RequestServices };
        probe.Request.Method = HttpMethods.Post;
        probe.Request.Scheme = http.Request.Scheme;
        probe.Request.Headers.Cookie = http.Request.Headers.Cookie;
        probe.Request.Headers[options.HeaderName] = token;
        return await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(probe);
    }
}
