using System.Security.Cryptography;
using System.Text;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Shells;

public sealed record ShellInput(string? Title, string? Description, bool? SequentialDefault);

public sealed record ModuleInput(string? Title, DateTimeOffset? UnlockAt, bool? Sequential, string? Completion, IReadOnlyList<Guid>? Prerequisites);

public sealed record ItemInput(string? Kind, string? Title, string? Url, string? Body, string? Requirement, decimal? MinScore);

public sealed record ItemUpdate(string? Title, string? Url, string? Requirement, decimal? MinScore, bool ClearRequirement = false);

/// <summary>An uploaded file for a file item: its name as sent, and its bytes (the declared type is not trusted).</summary>
public sealed record FileUpload(string FileName, Stream Content);

/// <summary>
/// Every write to a course shell, each in one transaction that first checks the caller may edit it
/// (<see cref="ShellAccess.Editable"/>), then locks the shell's row (so counters and positions cannot race) and refuses
/// an archived shell (409). Positions stay dense 1..n: creating appends, deleting closes the gap, reordering takes the
/// complete new order in one request. Counters on course_shells are recounted in the same transaction.
/// Every write that changes something appends one event to the district's audit chain in that same transaction
/// (entity <c>course_shell</c>, the shell's id; the module and item ids and before/after values in the payload), so a
/// refused write leaves none.
/// </summary>
public sealed class ShellEditing(LmsDbContext db, ShellAccess access, IFileStorage files, LearningOptions options, AuditLog audit, AuditContext context)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    /// <summary>
    /// One audit event about the shell. The request's actor when there is one (it keeps an impersonator's id); else, for
    /// a caller with no request (the CLI, seeding, tests), the person editing.
    /// </summary>
    Task AuditAsync(ShellViewer viewer, string action, Guid shellId, object? before, object? after, CancellationToken ct) =>
        audit.WriteAsync(new AuditEntry(action, "course_shell", shellId.ToString(), Before: before, After: after,
            Actor: context.Actor.Type == AuditActor.Anonymous.Type && viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);

    // ---- the shell ----------------------------------------------------------------------------------------------------

    public async Task<CourseShell> UpdateShellAsync(ShellViewer viewer, Guid shellId, ShellInput input, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var shell = await db.Set<CourseShell>().SingleAsync(s => s.Id == shellId, ct);
        var before = new { title = shell.Title, sequentialDefault = shell.SequentialDefault, descriptionLength = shell.Description?.Length ?? 0 };
        if (input.Title != null) shell.Title = Title(input.Title, "title");
        if (input.Description != null)
            shell.Description = input.Description.Length <= 10000 ? input.Description : throw ShellRefusal.Invalid("description", "A description is at most 10,000 characters.");
        if (input.SequentialDefault is { } sequential) shell.SequentialDefault = sequential;
        shell.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await AuditAsync(viewer, "shell.updated", shellId, before,
            new { title = shell.Title, sequentialDefault = shell.SequentialDefault, descriptionLength = shell.Description?.Length ?? 0 }, ct);
        await tx.CommitAsync(ct);
        return shell;
    }

    /// <summary>
    /// draft ⇄ published; either → archived (read-only); archived → draft restores it. Anything else is refused. This is
    /// the one write an archived shell takes.
    /// </summary>
    public async Task<CourseShell> SetStatusAsync(ShellViewer viewer, Guid shellId, string? status, CancellationToken ct)
    {
        if (status == null || !ShellStatus.All.Contains(status))
            throw ShellRefusal.Invalid("status", $"Status must be one of {string.Join(", ", ShellStatus.All)}.");
        await using var tx = await BeginAsync(viewer, shellId, ct, allowArchived: true);
        var shell = await db.Set<CourseShell>().SingleAsync(s => s.Id == shellId, ct);
        if (shell.Status == status) return shell;
        if (shell.Status == ShellStatus.Archived && status != ShellStatus.Draft)
            throw ShellRefusal.Conflict("An archived course is read-only; restore it to draft first.");
        var before = shell.Status;
        shell.Status = status;
        shell.ArchivedAt = status == ShellStatus.Archived ? DateTimeOffset.UtcNow : null;
        shell.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await AuditAsync(viewer, "shell.status_changed", shellId, new { status = before }, new { status }, ct);
        await tx.CommitAsync(ct);
        return shell;
    }

    /// <summary>
    /// Merges sections: the source shell's classes move to the target (each class keeps its own link), and the source,
    /// serving no class any more, is archived. Its content stays with it (copy it first to keep it).
    /// </summary>
    public async Task MergeAsync(ShellViewer viewer, Guid targetId, Guid sourceId, CancellationToken ct)
    {
        if (targetId == sourceId) throw ShellRefusal.Invalid("sourceShellId", "A course cannot be merged into itself.");
        await using var tx = await BeginAsync(viewer, targetId, ct);
        await LockAsync(viewer, sourceId, ct, allowArchived: false);
        var classes = await db.Database.SqlQuery<Guid>($"select class_id as \"Value\" from course_shell_classes where shell_id = {sourceId} order by class_id")
            .ToListAsync(ct);
        var sourceStatus = await db.Database.SqlQuery<string>($"select status as \"Value\" from course_shells where id = {sourceId}").SingleAsync(ct);
        await db.Database.ExecuteSqlAsync($"update course_shell_classes set shell_id = {targetId}, linked_at = now() where shell_id = {sourceId}", ct);
        await db.Database.ExecuteSqlAsync(
            $"update course_shells set status = 'archived', archived_at = now(), updated_at = now() where id = {sourceId}", ct);
        // One event, on the target: the source's classes moved to it and the source was archived.
        await AuditAsync(viewer, "shell.merged", targetId, new { sourceShellId = sourceId, sourceStatus },
            new { sourceShellId = sourceId, sourceStatus = ShellStatus.Archived, movedClassIds = classes }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Copies the source's modules (after the target's own; the copier must be able to edit both), prerequisites, placed content items with their current
    /// version (as version 1, authored by the copier) and module items, set-based. Copies start unpublished.
    /// </summary>
    public async Task<int> CopyAsync(ShellViewer viewer, Guid targetId, Guid sourceId, CancellationToken ct)
    {
        if (targetId == sourceId) throw ShellRefusal.Invalid("sourceShellId", "A course cannot be copied into itself.");
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == sourceId, ct)) throw ShellRefusal.NotFound("Course to copy from");
        await using var tx = await BeginAsync(viewer, targetId, ct);
        var copied = await db.Database.ExecuteSqlAsync($"""
            with src_modules as materialized (
              select id, gen_random_uuid() as new_id, title, position, unlock_at, sequential, completion from modules where shell_id = {sourceId}),
            base as (select coalesce(max(position), 0) as b from modules where shell_id = {targetId}),
            ins_m as (
              insert into modules (tenant_id, id, shell_id, title, position, unlock_at, sequential, completion)
              select {Tenant}, new_id, {targetId}, title, position + (select b from base), unlock_at, sequential, completion from src_modules
              returning id),
            ins_p as (
              insert into module_prerequisites (tenant_id, shell_id, module_id, prereq_module_id)
              select {Tenant}, {targetId}, a.new_id, b.new_id
              from module_prerequisites p join src_modules a on a.id = p.module_id join src_modules b on b.id = p.prereq_module_id
              returning 1),
            src_items as materialized (
              select ci.*, gen_random_uuid() as new_id from content_items ci
              where ci.shell_id = {sourceId} and exists (select 1 from module_items mi where mi.content_item_id = ci.id)),
            ins_ci as (
              insert into content_items (tenant_id, id, shell_id, kind, title, url, file_key, file_name, file_content_type, file_size, current_version_no)
              select {Tenant}, new_id, {targetId}, kind, title, url, file_key, file_name, file_content_type, file_size, least(current_version_no, 1)
              from src_items returning id),
            ins_v as (
              insert into content_versions (tenant_id, item_id, version_no, author_id, body, sha256)
              select {Tenant}, si.new_id, 1, {viewer.PersonId}, v.body, v.sha256
              from src_items si join content_versions v on v.item_id = si.id and v.version_no = si.current_version_no
              returning 1)
            insert into module_items (tenant_id, id, shell_id, module_id, content_item_id, position, requirement, min_score)
            select {Tenant}, gen_random_uuid(), {targetId}, sm.new_id, si.new_id, mi.position, mi.requirement, mi.min_score
            from module_items mi join src_modules sm on sm.id = mi.module_id join src_items si on si.id = mi.content_item_id
            """, ct);
        await RecountAsync(targetId, ct);
        await AuditAsync(viewer, "shell.copied", targetId, null, new { sourceShellId = sourceId, moduleItemsCopied = copied }, ct);
        await tx.CommitAsync(ct);
        return copied;
    }

    // ---- modules ------------------------------------------------------------------------------------------------------

    public async Task<Module> CreateModuleAsync(ShellViewer viewer, Guid shellId, ModuleInput input, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var shell = await db.Set<CourseShell>().AsNoTracking().SingleAsync(s => s.Id == shellId, ct);
        var count = await db.Set<Module>().CountAsync(m => m.ShellId == shellId, ct);
        var module = new Module
        {
            TenantId = Tenant, Id = Guid.NewGuid(), ShellId = shellId, Title = Title(input.Title, "title"), Position = count + 1,
            UnlockAt = input.UnlockAt, Sequential = input.Sequential ?? shell.SequentialDefault, Completion = Completion(input.Completion),
            CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.Add(module);
        await db.SaveChangesAsync(ct);
        await SetPrerequisitesAsync(module, input.Prerequisites ?? [], ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, "module.created", shellId, null, new
        {
            moduleId = module.Id, title = module.Title, position = module.Position, unlockAt = module.UnlockAt, sequential = module.Sequential,
            completion = module.Completion, prerequisites = (input.Prerequisites ?? []).Distinct(),
        }, ct);
        await tx.CommitAsync(ct);
        return module;
    }

    public async Task<Module> UpdateModuleAsync(ShellViewer viewer, Guid shellId, Guid moduleId, ModuleInput input, bool clearUnlock, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var module = await db.Set<Module>().SingleOrDefaultAsync(m => m.Id == moduleId && m.ShellId == shellId, ct) ?? throw ShellRefusal.NotFound("Module");
        var before = ModuleValues(module);
        if (input.Title != null) module.Title = Title(input.Title, "title");
        if (input.UnlockAt != null || clearUnlock) module.UnlockAt = input.UnlockAt;
        if (input.Sequential is { } sequential) module.Sequential = sequential;
        if (input.Completion != null) module.Completion = Completion(input.Completion);
        module.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        if (input.Prerequisites != null) await SetPrerequisitesAsync(module, input.Prerequisites, ct);
        await AuditAsync(viewer, "module.updated", shellId, before, ModuleValues(module) with { Prerequisites = input.Prerequisites?.Distinct().ToList() }, ct);
        await tx.CommitAsync(ct);
        return module;
    }

    public async Task DeleteModuleAsync(ShellViewer viewer, Guid shellId, Guid moduleId, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var items = await db.Set<ModuleItem>().Where(i => i.ModuleId == moduleId && i.ShellId == shellId).Select(i => i.Id).ToListAsync(ct);
        var title = await db.Set<Module>().Where(m => m.Id == moduleId && m.ShellId == shellId).Select(m => m.Title).FirstOrDefaultAsync(ct);
        // module items and prerequisites go with it (on delete cascade); content items and their versions stay
        if (await db.Database.ExecuteSqlAsync($"delete from modules where id = {moduleId} and shell_id = {shellId}", ct) == 0)
            throw ShellRefusal.NotFound("Module");
        await db.Database.ExecuteSqlAsync($"""
            update modules m set position = r.n, updated_at = now()
            from (select id, row_number() over (order by position) as n from modules where shell_id = {shellId}) r
            where m.id = r.id and m.position <> r.n
            """, ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, "module.deleted", shellId, new { moduleId, title, moduleItemIds = items }, null, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// The shell's modules in the new order: every module exactly once. Prerequisites the new order puts after their
    /// module are dropped (they would no longer be earlier modules); their number is returned.
    /// </summary>
    public async Task<int> ReorderModulesAsync(ShellViewer viewer, Guid shellId, IReadOnlyList<Guid>? order, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var existing = await db.Set<Module>().Where(m => m.ShellId == shellId).OrderBy(m => m.Position).Select(m => m.Id).ToListAsync(ct);
        CheckOrder(order, existing, "module");
        var ids = order!.ToArray();
        await db.Database.ExecuteSqlAsync($"""
            update modules m set position = o.n, updated_at = now()
            from unnest({ids}::uuid[]) with ordinality as o(id, n)
            where m.shell_id = {shellId} and m.id = o.id and m.position <> o.n
            """, ct);
        var dropped = await db.Database.ExecuteSqlAsync($"""
            delete from module_prerequisites p using modules m, modules q
            where p.shell_id = {shellId} and m.id = p.module_id and q.id = p.prereq_module_id and q.position >= m.position
            """, ct);
        await AuditAsync(viewer, "modules.reordered", shellId, new { order = existing }, new { order = ids, prerequisitesDropped = dropped }, ct);
        await tx.CommitAsync(ct);
        return dropped;
    }

    async Task SetPrerequisitesAsync(Module module, IReadOnlyList<Guid> prerequisites, CancellationToken ct)
    {
        var wanted = prerequisites.Distinct().ToArray();
        var earlier = await db.Set<Module>().Where(m => m.ShellId == module.ShellId && wanted.Contains(m.Id) && m.Position < module.Position)
            .CountAsync(ct);
        if (earlier != wanted.Length)
            throw ShellRefusal.Invalid("prerequisites", "A prerequisite must be an earlier module of the same course.");
        await db.Database.ExecuteSqlAsync($"delete from module_prerequisites where module_id = {module.Id}", ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into module_prerequisites (tenant_id, shell_id, module_id, prereq_module_id)
            select {Tenant}, {module.ShellId}, {module.Id}, p from unnest({wanted}::uuid[]) as p
            """, ct);
    }

    // ---- items --------------------------------------------------------------------------------------------------------

    /// <summary>A new item at the end of the module: a lesson (its body becomes version 1), a link, a file, or a placeholder.</summary>
    public async Task<ModuleItem> CreateItemAsync(ShellViewer viewer, Guid shellId, Guid moduleId, ItemInput input, FileUpload? file, CancellationToken ct)
    {
        var kind = input.Kind is { } k && ContentKind.All.Contains(k) ? k
            : throw ShellRefusal.Invalid("kind", $"Kind must be one of {string.Join(", ", ContentKind.All)}.");
        var title = Title(input.Title, "title");
        var url = kind == ContentKind.Link ? Url(input.Url) : null;
        var requirement = Requirement(kind, input.Requirement, input.MinScore);
        if (kind == ContentKind.File && file == null) throw ShellRefusal.Invalid("file", "A file item needs a file.");
        if (kind == ContentKind.Lesson && (input.Body?.Length ?? 0) > 1_000_000) throw ShellRefusal.Invalid("body", "A lesson is at most 1,000,000 characters.");

        await using var tx = await BeginAsync(viewer, shellId, ct);
        if (!await db.Set<Module>().AnyAsync(m => m.Id == moduleId && m.ShellId == shellId, ct)) throw ShellRefusal.NotFound("Module");
        var now = DateTimeOffset.UtcNow;
        var item = new ContentItem { TenantId = Tenant, Id = Guid.NewGuid(), ShellId = shellId, Kind = kind, Title = title, Url = url, CreatedAt = now, UpdatedAt = now };
        if (file != null && kind == ContentKind.File) await StoreFileAsync(item, file, ct);
        db.Add(item);
        if (kind == ContentKind.Lesson)
        {
            item.CurrentVersionNo = 1;
            db.Add(NewVersion(item.Id, 1, viewer.PersonId, input.Body ?? ""));
        }
        var position = await db.Set<ModuleItem>().CountAsync(i => i.ModuleId == moduleId, ct) + 1;
        var placed = new ModuleItem
        {
            TenantId = Tenant, Id = Guid.NewGuid(), ShellId = shellId, ModuleId = moduleId, ContentItemId = item.Id, Position = position,
            Requirement = requirement.Requirement, MinScore = requirement.MinScore, CreatedAt = now, UpdatedAt = now,
        };
        db.Add(placed);
        await db.SaveChangesAsync(ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, "item.created", shellId, null, new
        {
            moduleItemId = placed.Id, contentItemId = item.Id, moduleId, kind, title, url, position, requirement = placed.Requirement,
            minScore = placed.MinScore, versionNo = item.CurrentVersionNo == 0 ? (int?)null : item.CurrentVersionNo,
            file = item.FileKey == null ? null : new { name = item.FileName, contentType = item.FileContentType, size = item.FileSize },
        }, ct);
        await tx.CommitAsync(ct);
        return placed;
    }

    public async Task UpdateItemAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, ItemUpdate input, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var placed = await PlacedAsync(shellId, moduleItemId, ct);
        var item = await db.Set<ContentItem>().SingleAsync(c => c.Id == placed.ContentItemId, ct);
        var before = new { title = item.Title, url = item.Url, requirement = placed.Requirement, minScore = placed.MinScore };
        if (input.Title != null) item.Title = Title(input.Title, "title");
        if (input.Url != null)
            item.Url = item.Kind == ContentKind.Link ? Url(input.Url) : throw ShellRefusal.Invalid("url", "Only a link item has a URL.");
        if (input.Requirement != null || input.ClearRequirement)
        {
            var r = Requirement(item.Kind, input.Requirement, input.MinScore);
            placed.Requirement = r.Requirement;
            placed.MinScore = r.MinScore;
        }
        item.UpdatedAt = placed.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, "item.updated", shellId, new { moduleItemId, before.title, before.url, before.requirement, before.minScore },
            new { moduleItemId, title = item.Title, url = item.Url, requirement = placed.Requirement, minScore = placed.MinScore }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Removes the item from its module (closing the gap); the content item and its versions stay for the record.</summary>
    public async Task DeleteItemAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var placed = await PlacedAsync(shellId, moduleItemId, ct);
        await db.Database.ExecuteSqlAsync($"delete from module_items where id = {moduleItemId}", ct);
        await RenumberItemsAsync(placed.ModuleId, ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, "item.deleted", shellId, new
        {
            moduleItemId, contentItemId = placed.ContentItemId, moduleId = placed.ModuleId, position = placed.Position, published = placed.Published,
        }, null, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The module's items in the new order: every item of the module exactly once.</summary>
    public async Task ReorderItemsAsync(ShellViewer viewer, Guid shellId, Guid moduleId, IReadOnlyList<Guid>? order, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        if (!await db.Set<Module>().AnyAsync(m => m.Id == moduleId && m.ShellId == shellId, ct)) throw ShellRefusal.NotFound("Module");
        var existing = await db.Set<ModuleItem>().Where(i => i.ModuleId == moduleId).OrderBy(i => i.Position).Select(i => i.Id).ToListAsync(ct);
        CheckOrder(order, existing, "item");
        var ids = order!.ToArray();
        await db.Database.ExecuteSqlAsync($"""
            update module_items m set position = o.n, updated_at = now()
            from unnest({ids}::uuid[]) with ordinality as o(id, n)
            where m.module_id = {moduleId} and m.id = o.id and m.position <> o.n
            """, ct);
        await AuditAsync(viewer, "items.reordered", shellId, new { moduleId, order = existing }, new { moduleId, order = ids }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Publishes an item: students see it. A lesson publishes a version (default: its latest), which is what students see
    /// until another is published; other kinds have no versions.
    /// </summary>
    public async Task<ModuleItem> PublishAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, bool published, int? versionNo, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var placed = await PlacedAsync(shellId, moduleItemId, ct);
        var item = await db.Set<ContentItem>().AsNoTracking().SingleAsync(c => c.Id == placed.ContentItemId, ct);
        var before = new { moduleItemId, published = placed.Published, versionNo = placed.PublishedVersionNo };
        placed.Published = published;
        if (item.Kind == ContentKind.Lesson && published)
        {
            var n = versionNo ?? item.CurrentVersionNo;
            if (!await db.Set<ContentVersion>().AnyAsync(v => v.ItemId == item.Id && v.VersionNo == n, ct))
                throw ShellRefusal.Invalid("versionNo", $"This lesson has no version {n}.");
            placed.PublishedVersionNo = n;
        }
        else if (versionNo != null && item.Kind != ContentKind.Lesson)
            throw ShellRefusal.Invalid("versionNo", "Only a lesson has versions.");
        placed.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await RecountAsync(shellId, ct);
        await AuditAsync(viewer, published ? "item.published" : "item.unpublished", shellId, before,
            new { moduleItemId, published = placed.Published, versionNo = placed.PublishedVersionNo }, ct);
        await tx.CommitAsync(ct);
        return placed;
    }

    // ---- versions -----------------------------------------------------------------------------------------------------

    /// <summary>An edit: a new immutable version of the lesson (number = latest + 1). What students see changes only on publish.</summary>
    public async Task<ContentVersion> CreateVersionAsync(ShellViewer viewer, Guid shellId, Guid moduleItemId, string? body, CancellationToken ct)
    {
        if (body == null) throw ShellRefusal.Invalid("body", "A version needs a body (Markdown).");
        if (body.Length > 1_000_000) throw ShellRefusal.Invalid("body", "A lesson is at most 1,000,000 characters.");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var placed = await PlacedAsync(shellId, moduleItemId, ct);
        var item = await db.Set<ContentItem>().SingleAsync(c => c.Id == placed.ContentItemId, ct);
        if (item.Kind != ContentKind.Lesson) throw ShellRefusal.Invalid("body", "Only a lesson has versions.");
        item.CurrentVersionNo++;
        item.UpdatedAt = DateTimeOffset.UtcNow;
        var version = NewVersion(item.Id, item.CurrentVersionNo, viewer.PersonId, body);
        db.Add(version);
        await db.SaveChangesAsync(ct);
        // The body is not copied into the log (it is the version itself, kept for ever); its digest names it.
        await AuditAsync(viewer, "content_version.created", shellId, new { moduleItemId, versionNo = version.VersionNo - 1 },
            new { moduleItemId, contentItemId = item.Id, versionNo = version.VersionNo, sha256 = Convert.ToHexStringLower(version.Sha256), length = body.Length }, ct);
        await tx.CommitAsync(ct);
        return version;
    }

    ContentVersion NewVersion(Guid itemId, int number, Guid? author, string body) => new()
    {
        TenantId = Tenant, ItemId = itemId, VersionNo = number, AuthorId = author, CreatedAt = DateTimeOffset.UtcNow, Body = body,
        Sha256 = SHA256.HashData(Encoding.UTF8.GetBytes(body)),
    };

    // ---- helpers ------------------------------------------------------------------------------------------------------

    sealed record ModuleAuditValues(Guid ModuleId, string Title, DateTimeOffset? UnlockAt, bool Sequential, string Completion,
        IReadOnlyList<Guid>? Prerequisites = null);

    static ModuleAuditValues ModuleValues(Module m) => new(m.Id, m.Title, m.UnlockAt, m.Sequential, m.Completion);

    /// <summary>Checks the caller may edit the shell, opens the transaction, locks the shell's row, refuses an archived one.</summary>
    async Task<IDbContextTransaction> BeginAsync(ShellViewer viewer, Guid shellId, CancellationToken ct, bool allowArchived = false)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await LockAsync(viewer, shellId, ct, allowArchived);
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    async Task LockAsync(ShellViewer viewer, Guid shellId, CancellationToken ct, bool allowArchived)
    {
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("Only the course's teachers and administrators may change it.")
                : ShellRefusal.NotFound("Course");
        var status = await db.Database.SqlQuery<string>($"select status as \"Value\" from course_shells where id = {shellId} for update")
            .SingleAsync(ct);
        if (status == ShellStatus.Archived && !allowArchived)
            throw ShellRefusal.Conflict("This course is archived and read-only.");
    }

    async Task<ModuleItem> PlacedAsync(Guid shellId, Guid moduleItemId, CancellationToken ct) =>
        await db.Set<ModuleItem>().SingleOrDefaultAsync(i => i.Id == moduleItemId && i.ShellId == shellId, ct) ?? throw ShellRefusal.NotFound("Item");

    Task RenumberItemsAsync(Guid moduleId, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        update module_items m set position = r.n, updated_at = now()
        from (select id, row_number() over (order by position) as n from module_items where module_id = {moduleId}) r
        where m.id = r.id and m.position <> r.n
        """, ct);

    Task RecountAsync(Guid shellId, CancellationToken ct) => db.Database.ExecuteSqlAsync($"""
        update course_shells s set
          module_count = (select count(*) from modules m where m.shell_id = s.id),
          item_count = (select count(*) from module_items i where i.shell_id = s.id),
          required_item_count = (select count(*) from module_items i where i.shell_id = s.id and i.published and i.requirement is not null),
          updated_at = now()
        where s.id = {shellId}
        """, ct);

    static void CheckOrder(IReadOnlyList<Guid>? order, List<Guid> existing, string what)
    {
        if (order == null || order.Count != existing.Count || order.Distinct().Count() != order.Count || !order.All(existing.Contains))
            throw ShellRefusal.Invalid("order", $"The order must list every {what} of this {(what == "module" ? "course" : "module")} exactly once ({existing.Count}).");
    }

    static string Title(string? title, string field) =>
        title?.Trim() is { Length: >= 1 and <= 300 } t ? t : throw ShellRefusal.Invalid(field, "A title is 1 to 300 characters.");

    static string Completion(string? completion) => (completion ?? "all") is "all" or "any" ? completion ?? "all"
        : throw ShellRefusal.Invalid("completion", "Completion is \"all\" or \"any\".");

    static string Url(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && url!.Length <= 2000 ? u.ToString()
            : throw ShellRefusal.Invalid("url", "A link needs an http or https URL.");

    static (string? Requirement, decimal? MinScore) Requirement(string kind, string? requirement, decimal? minScore)
    {
        if (requirement == null) return (null, null);
        if (!CompletionRequirement.All.Contains(requirement))
            throw ShellRefusal.Invalid("requirement", $"Requirement must be one of {string.Join(", ", CompletionRequirement.All)}.");
        var scoreable = kind is ContentKind.Assignment or ContentKind.Quiz;
        if (requirement is CompletionRequirement.MustSubmit or CompletionRequirement.MinScore && !scoreable)
            throw ShellRefusal.Invalid("requirement", "Only assignments and quizzes can require a submission or a score.");
        if (requirement == CompletionRequirement.MinScore)
            return minScore is >= 0 and <= 9_999_999 ? (requirement, minScore) : throw ShellRefusal.Invalid("minScore", "A minimum score is needed (0 or more).");
        return (requirement, null);
    }

    async Task StoreFileAsync(ContentItem item, FileUpload file, CancellationToken ct)
    {
        var stored = await CheckedUpload.SaveAsync(files, file, $"{Tenant}/learning/{item.ShellId}/{item.Id}", options.MaxFileBytes, "A course file", ct);
        (item.FileKey, item.FileName, item.FileContentType, item.FileSize) = (stored.Key, stored.Name, stored.ContentType, stored.Size);
    }
}

/// <summary>Learning settings (section <c>Learning</c>): the largest course file, in megabytes (default 50).</summary>
public sealed class LearningOptions
{
    public int MaxFileMegabytes { get; set; } = 50;
    public long MaxFileBytes => MaxFileMegabytes * 1024L * 1024L;
}
