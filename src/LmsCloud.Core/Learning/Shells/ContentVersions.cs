using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Shells;

public sealed record VersionSummary(int VersionNo, Guid? AuthorId, DateTimeOffset CreatedAt, string Sha256, bool Published);

public sealed record VersionResponse(Guid ModuleItemId, int VersionNo, Guid? AuthorId, DateTimeOffset CreatedAt, string Sha256, string Body, string Html);

public sealed record DiffLine(char Op, string Text);

public sealed record VersionDiff(int From, int To, IReadOnlyList<DiffLine> Lines);

/// <summary>
/// A lesson's versions as people read them: the history and any version for the course's editors; for a learner only
/// the published version (<see cref="ShownAsync"/>, whose number the progress feature records as what the student viewed).
/// </summary>
public sealed class ContentVersions(LmsDbContext db, ShellAccess access, ShellReading reading)
{
    public async Task<List<VersionSummary>> HistoryAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct)
    {
        var placed = await EditablePlacedAsync(viewer, shellId, moduleItemId, ct);
        var versions = await db.Set<ContentVersion>().AsNoTracking().Where(v => v.ItemId == placed.ContentItemId)
            .OrderByDescending(v => v.VersionNo).ToListAsync(ct);
        return versions.Select(v => new VersionSummary(v.VersionNo, v.AuthorId, v.CreatedAt, Convert.ToHexStringLower(v.Sha256),
            placed.Published && placed.PublishedVersionNo == v.VersionNo)).ToList();
    }

    public async Task<VersionResponse> GetAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, int versionNo, CancellationToken ct)
    {
        var placed = await EditablePlacedAsync(viewer, shellId, moduleItemId, ct);
        var version = await db.Set<ContentVersion>().AsNoTracking().SingleOrDefaultAsync(v => v.ItemId == placed.ContentItemId && v.VersionNo == versionNo, ct)
            ?? throw ShellRefusal.NotFound("Version");
        return Response(moduleItemId, version);
    }

    /// <summary>
    /// What the caller sees of a lesson: a learner the published version (404 when none is published or the item or its
    /// module is not theirs to read); an editor the published one, else the latest.
    /// </summary>
    public async Task<VersionResponse> ShownAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct)
    {
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Course");
        var canEdit = await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct);
        var placed = await db.Set<ModuleItem>().AsNoTracking().SingleOrDefaultAsync(i => i.Id == moduleItemId && i.ShellId == shellId, ct);
        if (placed == null || !canEdit && !(placed.Published && placed.PublishedVersionNo != null)) throw ShellRefusal.NotFound("Lesson");
        if (!canEdit) await reading.OpenItemAsync(viewer, shellId, moduleItemId, ct); // a locked lesson's text stays hidden (403, with why)
        var number = placed.Published && placed.PublishedVersionNo is { } p ? p
            : await db.Set<ContentItem>().Where(c => c.Id == placed.ContentItemId).Select(c => c.CurrentVersionNo).SingleAsync(ct);
        var version = await db.Set<ContentVersion>().AsNoTracking().SingleOrDefaultAsync(v => v.ItemId == placed.ContentItemId && v.VersionNo == number, ct)
            ?? throw ShellRefusal.NotFound("Lesson");
        return Response(moduleItemId, version);
    }

    /// <summary>
    /// <see cref="ShownAsync(ShellViewer, Guid, Guid, CancellationToken)"/> for a lesson already opened with
    /// <see cref="ShellReading.OpenItem"/> on <paramref name="detail"/> (visible to the caller and not locked): no second
    /// evaluation of the shell. A learner gets the published version, an editor the published one, else the latest.
    /// </summary>
    public async Task<VersionResponse> ShownAsync(ShellDetail detail, ShellItemResponse item, CancellationToken ct)
    {
        var number = item.Published && item.PublishedVersionNo is { } p ? p : detail.CanEdit ? item.CurrentVersionNo : null;
        if (item.Kind != ContentKind.Lesson || number == null) throw ShellRefusal.NotFound("Lesson");
        var version = await db.Set<ContentVersion>().AsNoTracking().SingleOrDefaultAsync(v => v.ItemId == item.ContentItemId && v.VersionNo == number, ct)
            ?? throw ShellRefusal.NotFound("Lesson");
        return Response(item.Id, version);
    }

    public async Task<VersionDiff> DiffAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, int from, int to, CancellationToken ct)
    {
        var placed = await EditablePlacedAsync(viewer, shellId, moduleItemId, ct);
        var bodies = await db.Set<ContentVersion>().AsNoTracking().Where(v => v.ItemId == placed.ContentItemId && (v.VersionNo == from || v.VersionNo == to))
            .ToDictionaryAsync(v => v.VersionNo, v => v.Body, ct);
        if (!bodies.TryGetValue(from, out var a)) throw ShellRefusal.Invalid("from", $"This lesson has no version {from}.");
        if (!bodies.TryGetValue(to, out var b)) throw ShellRefusal.Invalid("to", $"This lesson has no version {to}.");
        return new VersionDiff(from, to, LineDiff.Compute(a, b));
    }

    async Task<ModuleItem> EditablePlacedAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct)
    {
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("A lesson's history is for the course's teachers and administrators.")
                : ShellRefusal.NotFound("Course");
        return await db.Set<ModuleItem>().AsNoTracking().SingleOrDefaultAsync(i => i.Id == moduleItemId && i.ShellId == shellId, ct)
            ?? throw ShellRefusal.NotFound("Item");
    }

    static VersionResponse Response(Guid moduleItemId, ContentVersion v) =>
        new(moduleItemId, v.VersionNo, v.AuthorId, v.CreatedAt, Convert.ToHexStringLower(v.Sha256), v.Body, LessonMarkdown.ToSafeHtml(v.Body));
}

/// <summary>A line diff (longest common subsequence): ' ' kept, '-' only in the old text, '+' only in the new.</summary>
public static class LineDiff
{
    const int MaxCells = 4_000_000; // beyond ~2,000 × 2,000 lines, show the whole old text removed and the new added

    public static List<DiffLine> Compute(string from, string to)
    {
        var a = from.Split('\n');
        var b = to.Split('\n');
        if ((long)a.Length * b.Length > MaxCells)
            return [.. a.Select(l => new DiffLine('-', l)), .. b.Select(l => new DiffLine('+', l))];
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var lines = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { lines.Add(new(' ', a[x])); x++; y++; }
            else if (lcs[x + 1, y] >= lcs[x, y + 1]) lines.Add(new('-', a[x++]));
            else lines.Add(new('+', b[y++]));
        }
        while (x < a.Length) lines.Add(new('-', a[x++]));
        while (y < b.Length) lines.Add(new('+', b[y++]));
        return lines;
    }
}
