using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Sis;

/// <summary>A package waiting in a district's inbox: in storage (uploaded) or in the configured inbox folder.</summary>
public sealed record InboxItem(string Source, string Name, long Length, DateTimeOffset ReceivedAt, string? StorageKey, string? FolderPath);

/// <param name="Refused">Why the nightly import will not take this package (the package check's reason), or null.</param>
public sealed record InboxItemResponse(string Source, string Name, long Length, DateTimeOffset ReceivedAt, string? Refused);

public sealed record InboxUploadResponse(string Name, string Sha256, long Length);

/// <summary>
/// A district's inbox: packages delivered for the nightly import, which picks the newest one. Two sources: uploads to
/// <c>POST /api/sis/inbox</c> (storage, <c>{tenantId}/inbox/</c>) and, when <c>Sis:InboxRoot</c> is set, the zips in
/// <c>{InboxRoot}/{slug}/</c> (an SFTP drop, say). Nothing is ever deleted from it by the import.
/// </summary>
public sealed class SisInbox(IFileStorage storage, IOptions<SisOptions> options)
{
    public static string StoragePrefix(Guid tenantId) => $"{tenantId}/inbox/";

    /// <summary>The name and storage key of a new upload to the inbox (<c>POST /api/sis/inbox</c>, the inbox page).</summary>
    public static (string Name, string Key) NewUpload(Guid tenantId, DateTimeOffset now)
    {
        // Names sort by arrival; the nightly job goes by the time the file was written, which is the same thing here.
        var name = $"{now:yyyyMMdd'T'HHmmssfff'Z'}-{Guid.NewGuid():N}.zip";
        return (name, StoragePrefix(tenantId) + name);
    }

    public async Task<IReadOnlyList<InboxItem>> ListAsync(District district, CancellationToken ct)
    {
        var items = (await storage.ListAsync(StoragePrefix(district.TenantId), ct))
            .Select(f => new InboxItem("upload", f.Key[(f.Key.LastIndexOf('/') + 1)..], f.Length, f.LastModified, f.Key, null))
            .ToList();
        if (options.Value.InboxRoot is { Length: > 0 } root && Directory.Exists(Path.Combine(root, district.Slug)))
            items.AddRange(new DirectoryInfo(Path.Combine(root, district.Slug)).EnumerateFiles("*.zip")
                .Select(f => new InboxItem("folder", f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero), null, f.FullName)));
        return items.OrderByDescending(i => i.ReceivedAt).ThenByDescending(i => i.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The inbox with each package's check: a refused package is listed with the reason, so a drop the nightly job passes
    /// over is never silently ignored (<c>GET /api/sis/inbox</c> and the inbox page).
    /// </summary>
    public async Task<List<InboxItemResponse>> ListCheckedAsync(District district, CancellationToken ct)
    {
        var items = new List<InboxItemResponse>();
        foreach (var i in await ListAsync(district, ct))
            items.Add(new InboxItemResponse(i.Source, i.Name, i.Length, i.ReceivedAt, PackageCheck.Check(await LocalPathAsync(i, ct))));
        return items;
    }

    /// <summary>A local file of the item: the folder's own file, or storage's local copy of an upload.</summary>
    public async Task<string> LocalPathAsync(InboxItem item, CancellationToken ct) =>
        item.StorageKey != null ? await storage.GetLocalPathAsync(item.StorageKey, ct) : item.FolderPath!;

    /// <summary>
    /// The package the nightly import should take: the newest complete zip in the inbox, unless a run already took those
    /// exact bytes (same SHA-256, any run that did not fail or was only a dry run). Never an older package than the
    /// newest: importing it would roll the roster back. Returns the item, a local file of it and its SHA-256.
    /// </summary>
    public async Task<(InboxItem Item, string LocalPath, string Sha256)?> ChooseAsync(District district, LmsDbContext db, CancellationToken ct)
    {
        foreach (var item in await ListAsync(district, ct))
        {
            var path = await LocalPathAsync(item, ct);
            if (PackageCheck.Check(path) != null) continue; // still being written into the folder, not a zip, or a bomb: not a candidate
            var sha256 = PackageHash.Compute(path);
            var imported = await db.ImportRuns.AnyAsync(r => r.PackageSha256 == sha256 && r.Status != RunStatus.Failed && r.Status != RunStatus.DryRun, ct);
            return imported ? null : (item, path, sha256);
        }
        return null;
    }
}

