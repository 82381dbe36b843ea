using System.Text;
using System.Text.Json;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Signing;
using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Compliance.Certificates;

/// <summary>A certificate as listed: what it covers, its counts, and the server's verdict on it.</summary>
public sealed record CertificateRow(DeletionCertificateEntry Entry, string Kind, long Rows, int Tables, int Withheld, string? Problem);

/// <summary>
/// Every deletion certificate of the district, newest first, each checked here with <see cref="CertificateVerifier"/> (what
/// <c>lms compliance verify-certificate</c> runs) and that it is the one stored under its id for this district; each
/// downloadable byte for byte as the signed JSON. Reading only: officers and district admins alike.
/// </summary>
public sealed class CertificatesIndexModel(DeletionCertificates certificates, PlatformSigner signer, LmsDbContext db) : PageModel
{
    public IReadOnlyList<CertificateRow> Certificates { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var list = await certificates.ListAsync(HttpContext.RequestAborted);
        Certificates = list.Select(Check).ToList();
    }

    public async Task<IActionResult> OnGetDownloadAsync(Guid id) =>
        await certificates.GetAsync(id, HttpContext.RequestAborted) is { } certificate
            ? File(Encoding.UTF8.GetBytes(certificate.Json), "application/json", $"deletion-certificate-{id}.json")
            : NotFound();

    CertificateRow Check(DeletionCertificateEntry entry)
    {
        var kind = entry.RetentionRunId != null ? "retention_run" : "erasure";
        var problem = CertificateVerifier.Check(signer, Encoding.UTF8.GetBytes(entry.Json), out var c);
        if (problem != null) return new(entry, kind, 0, 0, 0, problem);
        // Intact and ours, but is it this row's? A certificate copied from another row or district would verify too.
        if (c.GetProperty("id").GetString() is not { } id || !Guid.TryParse(id, out var docId) || docId != entry.Id)
            return new(entry, kind, 0, 0, 0, "its id is not the id it is stored under");
        if (!c.TryGetProperty("district", out var district) || district.ValueKind != JsonValueKind.String || district.GetString() != db.TenantId?.ToString())
            return new(entry, kind, 0, 0, 0, "it is not this district's");
        var tables = c.GetProperty("tables");
        var rows = tables.EnumerateArray().Sum(t => t.TryGetProperty("rows", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt64() : 0);
        var scopeKind = c.GetProperty("scope").TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : kind;
        return new(entry, scopeKind, rows, tables.GetArrayLength(), c.GetProperty("withheld").GetArrayLength(), null);
    }
}
