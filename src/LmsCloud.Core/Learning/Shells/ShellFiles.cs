using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Shells;

/// <summary>A file item's stored bytes with the type sniffed at upload and the name it was uploaded with.</summary>
public sealed record ShellFile(Stream Content, string ContentType, string FileName);

/// <summary>
/// A course file for someone who may read it: the item must be a file in a shell they read, visible to them (published
/// for a learner) and, for a student, not locked (<see cref="ShellReading.GetAsync"/> decides all of that). Null otherwise.
/// </summary>
public sealed class ShellFiles(ShellReading reading, LmsDbContext db, IFileStorage files)
{
    public async Task<ShellFile?> OpenAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct)
    {
        var item = await reading.OpenItemAsync(viewer, shellId, moduleItemId, ct);
        if (item.Kind != ContentKind.File) return null;
        var key = await db.Set<ContentItem>().Where(c => c.Id == item.ContentItemId).Select(c => c.FileKey).SingleAsync(ct);
        if (key == null) return null;
        return new ShellFile(await files.OpenReadAsync(key, ct), item.FileContentType ?? "application/octet-stream", item.FileName ?? "file");
    }
}
