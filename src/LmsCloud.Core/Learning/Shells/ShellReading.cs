using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Shells;

public sealed record ShellSummary(Guid Id, string Title, string Description, string Status, Guid? SchoolId, IReadOnlyList<Guid> ClassIds,
    int ModuleCount, int ItemCount, int RequiredItemCount, DateTimeOffset UpdatedAt);

public sealed record ShellItemResponse(Guid Id, Guid ContentItemId, string Kind, string Title, string? Url, string? FileName, string? FileContentType,
    long? FileSize, int Position, string? Requirement, decimal? MinScore, bool Published, int? PublishedVersionNo, int? CurrentVersionNo,
    bool? Locked, string? LockReason, bool? Completed);

public sealed record ShellModuleResponse(Guid Id, string Title, int Position, DateTimeOffset? UnlockAt, bool Sequential, string Completion,
    IReadOnlyList<Guid> Prerequisites, bool? Locked, string? LockReason, bool? Completed, IReadOnlyList<ShellItemResponse> Items);

/// <summary>
/// One shell with its modules and items. <see cref="CanEdit"/>: the caller edits it and sees everything (drafts,
/// unpublished items, current versions). Otherwise the caller is a learner: only published items, and for a student
/// each module's and item's lock state (<see cref="LockRules"/>); a guardian gets no lock states (they are per student).
/// </summary>
public sealed record ShellDetail(ShellSummary Shell, bool CanEdit, IReadOnlyList<ShellModuleResponse> Modules);

/// <summary>The course shells a person may read (<see cref="ShellAccess"/>), listed and one at a time.</summary>
public sealed class ShellReading(LmsDbContext db, ShellAccess access)
{
    public Task<PagedList<ShellSummary>> ListAsync(ShellViewer viewer, string? status, int page, int size, CancellationToken ct)
    {
        var query = access.Readable(viewer);
        if (status != null) query = query.Where(s => s.Status == status);
        var links = db.Set<CourseShellClass>();
        return PagedList.CreateAsync(
            query.OrderBy(s => s.Title).ThenBy(s => s.Id)
                .Select(s => new { Shell = s, Classes = links.Where(l => l.ShellId == s.Id).OrderBy(l => l.ClassId).Select(l => l.ClassId).ToList() }),
            page, size, x => Summary(x.Shell, x.Classes), ct);
    }

    public Task<ShellDetail?> GetAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) => GetAsync(viewer, shellId, asStudent: false, ct);

    /// <summary>
    /// <paramref name="asStudent"/>: a teacher's "preview as student": what a learner sees (the published filter below),
    /// without edit rights, from the same query (no second filter in the page).
    /// </summary>
    public async Task<ShellDetail?> GetAsync(ShellViewer viewer, Guid shellId, bool asStudent, CancellationToken ct)
    {
        var shell = await access.Readable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct);
        if (shell == null) return null;
        var canEdit = !asStudent && await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct);
        var classes = await db.Set<CourseShellClass>().Where(l => l.ShellId == shellId).OrderBy(l => l.ClassId).Select(l => l.ClassId).ToListAsync(ct);
        var modules = await db.Set<Module>().AsNoTracking().Where(m => m.ShellId == shellId).OrderBy(m => m.Position).ToListAsync(ct);
        var prerequisites = (await db.Set<ModulePrerequisite>().AsNoTracking().Where(p => p.ShellId == shellId).ToListAsync(ct))
            .ToLookup(p => p.ModuleId, p => p.PrereqModuleId);
        var items = await (
            from i in db.Set<ModuleItem>().AsNoTracking()
            join c in db.Set<ContentItem>().AsNoTracking() on i.ContentItemId equals c.Id
            where i.ShellId == shellId && (canEdit || i.Published && (c.Kind != ContentKind.Lesson || i.PublishedVersionNo != null))
            orderby i.Position
            select new { Item = i, Content = c })
            .ToListAsync(ct);
        var byModule = items.ToLookup(x => x.Item.ModuleId);

        Dictionary<Guid, LockState>? moduleLocks = null, itemLocks = null;
        if (!canEdit && viewer.PersonId is { } student && (viewer.Is(Users.Roles.Student) || await access.SelfEnrolledAsync(student, shellId, ct)))
        {
            var completed = await CompletedItemsAsync(student, shellId, ct);
            (moduleLocks, itemLocks) = LockRules.Evaluate(modules.Select(m => new LockModule(m.Id, m.Title, m.Position, m.UnlockAt, m.Sequential,
                m.Completion, prerequisites[m.Id].ToList(), byModule[m.Id].Select(x => new LockItem(x.Item.Id, x.Item.Requirement != null)).ToList()))
                .ToList(), completed, DateTimeOffset.UtcNow);
        }

        var moduleResponses = modules.Select(m =>
        {
            var ml = moduleLocks?.GetValueOrDefault(m.Id);
            return new ShellModuleResponse(m.Id, m.Title, m.Position, m.UnlockAt, m.Sequential, m.Completion, prerequisites[m.Id].ToList(),
                ml?.Locked, ml?.Reason, ml?.Completed,
                byModule[m.Id].Select(x =>
                {
                    var il = itemLocks?.GetValueOrDefault(x.Item.Id);
                    return new ShellItemResponse(x.Item.Id, x.Content.Id, x.Content.Kind, x.Content.Title, x.Content.Url, x.Content.FileName,
                        x.Content.FileContentType, x.Content.FileSize, x.Item.Position, x.Item.Requirement, x.Item.MinScore, x.Item.Published,
                        x.Item.PublishedVersionNo, canEdit ? x.Content.CurrentVersionNo : null, il?.Locked, il?.Reason, il?.Completed);
                }).ToList());
        }).ToList();
        return new ShellDetail(Summary(shell, classes), canEdit, moduleResponses);
    }

    /// <summary>
    /// One item as this viewer may open it: 404 when they cannot see it, 403 with the lock's reason when it is locked for
    /// them. Every way into an item's content or progress goes through here (pages, API, files, progress), so a lock
    /// holds whatever the client asks.
    /// </summary>
    public async Task<ShellItemResponse> OpenItemAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct) =>
        OpenItem(await GetAsync(viewer, shellId, ct), moduleItemId);

    /// <summary>
    /// <see cref="OpenItemAsync"/>'s checks on a shell already read with <see cref="GetAsync(ShellViewer, Guid, bool, CancellationToken)"/>,
    /// for a page that needs the shell too (the lesson page): the shell is evaluated once, and the item passed on.
    /// </summary>
    public static ShellItemResponse OpenItem(ShellDetail? detail, Guid moduleItemId)
    {
        var item = detail?.Modules.SelectMany(m => m.Items).FirstOrDefault(i => i.Id == moduleItemId) ?? throw ShellRefusal.NotFound("Item");
        if (item.Locked == true) throw ShellRefusal.Forbidden(item.LockReason ?? "This item is locked.");
        return item;
    }

    /// <summary>
    /// The module items this student has completed in the shell, for the lock rules. Progress is recorded by the
    /// progress feature (Learning/Progress, item_progress).
    /// </summary>
    public async Task<IReadOnlySet<Guid>> CompletedItemsAsync(Guid studentId, Guid shellId, CancellationToken ct) =>
        (await db.Set<Progress.ItemProgressRow>().Where(p => p.ShellId == shellId && p.StudentId == studentId && p.CompletedAt != null)
            .Select(p => p.ModuleItemId).ToListAsync(ct)).ToHashSet();

    static ShellSummary Summary(CourseShell s, List<Guid> classes) => new(s.Id, s.Title, s.Description, s.Status, s.SchoolId, classes,
        s.ModuleCount, s.ItemCount, s.RequiredItemCount, s.UpdatedAt);
}
