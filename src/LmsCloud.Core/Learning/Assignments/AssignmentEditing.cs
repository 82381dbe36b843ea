using System.Security.Cryptography;
using System.Text;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Assignments;

/// <summary>
/// Every write to assignment groups, assignments and overrides, each in one transaction that checks the caller may edit
/// the shell (<see cref="ShellAccess.Editable"/>: 404 when they cannot see it, 403 when they may only read it), locks the
/// shell's row (positions and the due-date refresh cannot race) and refuses an archived shell (409). A change to an
/// assignment's dates or to an override recomputes <c>effective_due_dates</c> for that assignment in the same transaction
/// (<c>refresh_effective_due_dates</c>, one set-based statement). Every write appends an audit event in that transaction
/// (entity <c>assignment_group</c> or <c>assignment</c>; a student override names the student as the subject).
/// </summary>
public sealed class AssignmentEditing(LmsDbContext db, ShellAccess access, AssignmentReading reading, AuditLog audit, AuditContext context)
{
    const decimal MaxWeight = 999.9999m;
    const decimal MaxPoints = 9_999_999.99m;

    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    Task AuditAsync(ShellViewer viewer, string action, string entity, Guid id, object? before, object? after, CancellationToken ct,
        Guid? subject = null) =>
        audit.WriteAsync(new AuditEntry(action, entity, id.ToString(), SubjectUserId: subject, Before: before, After: after,
            Actor: context.Actor.Type == AuditActor.Anonymous.Type && viewer.PersonId is { } person ? AuditActor.User(person) : null), ct);

    // ---- groups -------------------------------------------------------------------------------------------------------

    public async Task<AssignmentGroupView> CreateGroupAsync(ShellViewer viewer, Guid shellId, AssignmentGroupInput input, CancellationToken ct)
    {
        var name = Name(input.Name);
        var (weight, low, high) = (Weight(input.Weight ?? 0), Drop(input.DropLowest ?? 0, "dropLowest"), Drop(input.DropHighest ?? 0, "dropHighest"));
        if (input.NeverDrop is { Count: > 0 }) throw ShellRefusal.Invalid("neverDrop", "A new group holds no assignments yet, so nothing to never drop.");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var id = Guid.NewGuid();
        await db.Database.ExecuteSqlAsync($"""
            insert into assignment_groups (tenant_id, id, shell_id, name, weight, drop_lowest, drop_highest, position)
            select {Tenant}, {id}, {shellId}, {name}, {weight}, {low}, {high}, coalesce(max(position), 0) + 1
            from assignment_groups where shell_id = {shellId}
            """, ct);
        var view = await GroupAsync(viewer, shellId, id, ct);
        await AuditAsync(viewer, "assignment_group.created", "assignment_group", id, null, view, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<AssignmentGroupView> UpdateGroupAsync(ShellViewer viewer, Guid shellId, Guid groupId, AssignmentGroupInput input, CancellationToken ct)
    {
        string? name = input.Name != null ? Name(input.Name) : null;
        decimal? weight = input.Weight is { } w ? Weight(w) : null;
        int? low = input.DropLowest is { } l ? Drop(l, "dropLowest") : null, high = input.DropHighest is { } h ? Drop(h, "dropHighest") : null;
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await GroupAsync(viewer, shellId, groupId, ct);
        await db.Database.ExecuteSqlAsync($"""
            update assignment_groups set name = coalesce({name}, name), weight = coalesce({weight}, weight),
              drop_lowest = coalesce({low}, drop_lowest), drop_highest = coalesce({high}, drop_highest), updated_at = now()
            where id = {groupId} and shell_id = {shellId}
            """, ct);
        if (input.NeverDrop != null)
        {
            var ids = input.NeverDrop.Distinct().ToArray();
            var inGroup = await db.Database.SqlQuery<int>($"""
                select count(*)::int as "Value" from assignments where group_id = {groupId} and id = any ({ids})
                """).SingleAsync(ct);
            if (inGroup != ids.Length) throw ShellRefusal.Invalid("neverDrop", "Never-drop assignments must belong to this group.");
            await db.Database.ExecuteSqlAsync($"delete from group_never_drop where group_id = {groupId}", ct);
            await db.Database.ExecuteSqlAsync($"""
                insert into group_never_drop (tenant_id, group_id, assignment_id) select {Tenant}, {groupId}, x from unnest({ids}::uuid[]) x
                """, ct);
        }
        var after = await GroupAsync(viewer, shellId, groupId, ct);
        await AuditAsync(viewer, "assignment_group.updated", "assignment_group", groupId, before, after, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>Deletes an empty group and closes the gap in positions; a group holding assignments is refused (409).</summary>
    public async Task DeleteGroupAsync(ShellViewer viewer, Guid shellId, Guid groupId, CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await GroupAsync(viewer, shellId, groupId, ct);
        if (await db.Database.SqlQuery<bool>($"select exists (select 1 from assignments where group_id = {groupId}) as \"Value\"").SingleAsync(ct))
            throw ShellRefusal.Conflict("This group still holds assignments: move or delete them first.");
        await db.Database.ExecuteSqlAsync($"delete from assignment_groups where id = {groupId} and shell_id = {shellId}", ct);
        await db.Database.ExecuteSqlAsync($"""
            update assignment_groups g set position = r.n, updated_at = now()
            from (select id, row_number() over (order by position) as n from assignment_groups where shell_id = {shellId}) r
            where g.id = r.id and g.position <> r.n
            """, ct);
        await AuditAsync(viewer, "assignment_group.deleted", "assignment_group", groupId, before, null, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The shell's groups in a new order: every group exactly once (positions stay dense 1..n).</summary>
    public async Task<IReadOnlyList<AssignmentGroupView>> ReorderGroupsAsync(ShellViewer viewer, Guid shellId, IReadOnlyList<Guid>? order,
        CancellationToken ct)
    {
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var existing = await db.Database.SqlQuery<Guid>($"select id as \"Value\" from assignment_groups where shell_id = {shellId} order by position")
            .ToListAsync(ct);
        if (order == null || order.Count != existing.Count || order.Distinct().Count() != order.Count || !order.All(existing.Contains))
            throw ShellRefusal.Invalid("order", "The order must list every group of the course exactly once.");
        var ids = order.ToArray();
        await db.Database.ExecuteSqlAsync($"""
            update assignment_groups g set position = o.n, updated_at = now()
            from unnest({ids}::uuid[]) with ordinality as o(id, n)
            where g.shell_id = {shellId} and g.id = o.id and g.position <> o.n
            """, ct);
        await AuditAsync(viewer, "assignment_groups.reordered", "course_shell", shellId, new { order = existing }, new { order = ids }, ct);
        await tx.CommitAsync(ct);
        return await reading.GroupsAsync(viewer, shellId, ct);
    }

    // ---- assignments --------------------------------------------------------------------------------------------------

    /// <summary>
    /// A new, unpublished assignment in one of the shell's groups. Its instructions become a content item of kind
    /// 'assignment'; when given, their text is version 1 and is pinned.
    /// </summary>
    public async Task<AssignmentView> CreateAsync(ShellViewer viewer, Guid shellId, AssignmentInput input, CancellationToken ct)
    {
        var groupId = input.GroupId ?? throw ShellRefusal.Invalid("groupId", "An assignment belongs to a group: give groupId.");
        var title = Title(input.Title);
        var values = Validate(new Values(groupId, title, Description(input.Description ?? ""), Points(input.PointsPossible ?? 0),
            Grading(input.GradingType ?? GradingType.Points), input.DueAt, input.UnlockAt, input.LockAt, Attempts(input.AllowedAttempts),
            input.OmitFromFinal ?? false, input.PostManually ?? false, input.Passback ?? true, input.ModuleItemId));
        CheckInstructions(input.Instructions);
        await using var tx = await BeginAsync(viewer, shellId, ct);
        await CheckGroupAsync(shellId, groupId, ct);
        await CheckModuleItemAsync(shellId, values.ModuleItemId, ct);
        var id = Guid.NewGuid();
        var itemId = Guid.NewGuid();
        await db.Database.ExecuteSqlAsync($"""
            insert into content_items (tenant_id, id, shell_id, kind, title) values ({Tenant}, {itemId}, {shellId}, 'assignment', {title})
            """, ct);
        int? versionNo = input.Instructions != null ? await NewVersionAsync(viewer, itemId, input.Instructions, ct) : null;
        await db.Database.ExecuteSqlAsync($"""
            insert into assignments (tenant_id, id, shell_id, group_id, title, description, points_possible, grading_type, due_at, unlock_at,
              lock_at, allowed_attempts, omit_from_final, post_manually, passback, content_item_id, content_version_no, module_item_id)
            values ({Tenant}, {id}, {shellId}, {groupId}, {title}, {values.Description}, {values.Points}, {values.GradingType}, {values.DueAt},
              {values.UnlockAt}, {values.LockAt}, {values.AllowedAttempts}, {values.OmitFromFinal}, {values.PostManually}, {values.Passback},
              {itemId}, {versionNo}, {values.ModuleItemId})
            """, ct);
        await RefreshAsync(id, ct);
        var view = await ReadAsync(viewer, id, ct);
        await AuditAsync(viewer, "assignment.created", "assignment", id, null, view with { Instructions = null }, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    public async Task<AssignmentView> UpdateAsync(ShellViewer viewer, Guid assignmentId, AssignmentInput input, CancellationToken ct)
    {
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        CheckInstructions(input.Instructions);
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await ReadAsync(viewer, assignmentId, ct);
        var values = Validate(new Values(
            input.GroupId ?? before.GroupId,
            input.Title != null ? Title(input.Title) : before.Title,
            input.Description != null ? Description(input.Description) : before.Description,
            input.PointsPossible is { } p ? Points(p) : before.PointsPossible,
            input.GradingType != null ? Grading(input.GradingType) : before.GradingType,
            input.ClearDueAt ? null : input.DueAt ?? before.DueAt,
            input.ClearUnlockAt ? null : input.UnlockAt ?? before.UnlockAt,
            input.ClearLockAt ? null : input.LockAt ?? before.LockAt,
            input.ClearAllowedAttempts ? null : input.AllowedAttempts is { } n ? Attempts(n) : before.AllowedAttempts,
            input.OmitFromFinal ?? before.OmitFromFinal, input.PostManually ?? before.PostManually, input.Passback ?? before.Passback,
            input.ClearModuleItem ? null : input.ModuleItemId ?? before.ModuleItemId));
        if (values.GroupId != before.GroupId)
        {
            await CheckGroupAsync(shellId, values.GroupId, ct);
            // its never-drop mark belonged to the old group's rules
            await db.Database.ExecuteSqlAsync($"delete from group_never_drop where assignment_id = {assignmentId}", ct);
        }
        if (values.ModuleItemId != before.ModuleItemId) await CheckModuleItemAsync(shellId, values.ModuleItemId, ct);
        var versionNo = input.Instructions != null ? await NewVersionAsync(viewer, before.ContentItemId, input.Instructions, ct) : before.ContentVersionNo;
        await db.Database.ExecuteSqlAsync($"""
            update assignments set group_id = {values.GroupId}, title = {values.Title}, description = {values.Description},
              points_possible = {values.Points}, grading_type = {values.GradingType}, due_at = {values.DueAt}, unlock_at = {values.UnlockAt},
              lock_at = {values.LockAt}, allowed_attempts = {values.AllowedAttempts}, omit_from_final = {values.OmitFromFinal},
              post_manually = {values.PostManually}, passback = {values.Passback}, content_version_no = {versionNo},
              module_item_id = {values.ModuleItemId}, updated_at = now()
            where id = {assignmentId}
            """, ct);
        if (values.Title != before.Title)
            await db.Database.ExecuteSqlAsync($"update content_items set title = {values.Title}, updated_at = now() where id = {before.ContentItemId}", ct);
        if ((values.DueAt, values.UnlockAt, values.LockAt) != (before.DueAt, before.UnlockAt, before.LockAt)) await RefreshAsync(assignmentId, ct);
        var after = await ReadAsync(viewer, assignmentId, ct);
        await AuditAsync(viewer, "assignment.updated", "assignment", assignmentId, before with { Instructions = null }, after with { Instructions = null }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    public async Task<AssignmentView> PublishAsync(ShellViewer viewer, Guid assignmentId, bool published, CancellationToken ct)
    {
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await ReadAsync(viewer, assignmentId, ct);
        await db.Database.ExecuteSqlAsync($"update assignments set published = {published}, updated_at = now() where id = {assignmentId}", ct);
        var after = await ReadAsync(viewer, assignmentId, ct);
        await AuditAsync(viewer, published ? "assignment.published" : "assignment.unpublished", "assignment", assignmentId,
            new { published = before.Published }, new { published }, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>Deletes the assignment with its overrides and effective dates; its instructions' versions stay (content items are kept).</summary>
    public async Task DeleteAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await ReadAsync(viewer, assignmentId, ct);
        await db.Database.ExecuteSqlAsync($"delete from assignments where id = {assignmentId}", ct);
        await AuditAsync(viewer, "assignment.deleted", "assignment", assignmentId, before with { Instructions = null }, null, ct);
        await tx.CommitAsync(ct);
    }

    // ---- overrides ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// Sets (creates or replaces) the section override for a class the shell serves, or the student override for a
    /// student of one of its classes; then recomputes the assignment's effective dates.
    /// </summary>
    public async Task<OverrideView> SetOverrideAsync(ShellViewer viewer, Guid assignmentId, Guid? classId, Guid? studentId, OverrideInput input,
        CancellationToken ct)
    {
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        CheckOrder(input.DueAt, input.UnlockAt, input.LockAt);
        input = input with { DueAt = input.DueAt?.ToUniversalTime(), UnlockAt = input.UnlockAt?.ToUniversalTime(), LockAt = input.LockAt?.ToUniversalTime() };
        if (input.Reason is { Length: > 300 }) throw ShellRefusal.Invalid("reason", "A reason is at most 300 characters.");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        if (classId is { } c && !await db.Database.SqlQuery<bool>($"""
                select exists (select 1 from course_shell_classes where shell_id = {shellId} and class_id = {c}) as "Value"
                """).SingleAsync(ct))
            throw ShellRefusal.NotFound("Class");
        if (studentId is { } s && !await db.Database.SqlQuery<bool>($"""
                select exists (select 1 from course_shell_classes sc join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id
                               where sc.shell_id = {shellId} and e.user_id = {s} and e.role = 'student') as "Value"
                """).SingleAsync(ct))
            throw ShellRefusal.NotFound("Student");
        var before = await OverrideAsync(assignmentId, classId, studentId, ct);
        var id = before?.Id ?? Guid.NewGuid();
        if (before == null)
            await db.Database.ExecuteSqlAsync($"""
                insert into assignment_overrides (tenant_id, id, assignment_id, class_id, student_id, due_at, unlock_at, lock_at, reason)
                values ({Tenant}, {id}, {assignmentId}, {classId}, {studentId}, {input.DueAt}, {input.UnlockAt}, {input.LockAt}, {input.Reason})
                """, ct);
        else
            await db.Database.ExecuteSqlAsync($"""
                update assignment_overrides set due_at = {input.DueAt}, unlock_at = {input.UnlockAt}, lock_at = {input.LockAt}, reason = {input.Reason},
                  updated_at = now()
                where id = {id}
                """, ct);
        await RefreshAsync(assignmentId, ct);
        var after = (await OverrideAsync(assignmentId, classId, studentId, ct))!;
        await AuditAsync(viewer, before == null ? "assignment_override.created" : "assignment_override.updated", "assignment", assignmentId, before, after,
            ct, studentId);
        await tx.CommitAsync(ct);
        return after;
    }

    public async Task DeleteOverrideAsync(ShellViewer viewer, Guid assignmentId, Guid? classId, Guid? studentId, CancellationToken ct)
    {
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        await using var tx = await BeginAsync(viewer, shellId, ct);
        var before = await OverrideAsync(assignmentId, classId, studentId, ct) ?? throw ShellRefusal.NotFound("Override");
        await db.Database.ExecuteSqlAsync($"delete from assignment_overrides where id = {before.Id}", ct);
        await RefreshAsync(assignmentId, ct);
        await AuditAsync(viewer, "assignment_override.deleted", "assignment", assignmentId, before, null, ct, studentId);
        await tx.CommitAsync(ct);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    sealed record Values(Guid GroupId, string Title, string Description, decimal Points, string GradingType, DateTimeOffset? DueAt,
        DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, int? AllowedAttempts, bool OmitFromFinal, bool PostManually, bool Passback, Guid? ModuleItemId);

    // Npgsql writes timestamptz from UTC offsets only: a date given with the district's offset (a page, or JSON with
    // -06:00) would otherwise fail as a 500 instead of being stored as the instant it names.
    static Values Validate(Values v)
    {
        CheckOrder(v.DueAt, v.UnlockAt, v.LockAt);
        return v with { DueAt = v.DueAt?.ToUniversalTime(), UnlockAt = v.UnlockAt?.ToUniversalTime(), LockAt = v.LockAt?.ToUniversalTime() };
    }

    /// <summary>unlock ≤ due ≤ lock (and unlock ≤ lock), for whichever of them are set.</summary>
    static void CheckOrder(DateTimeOffset? due, DateTimeOffset? unlock, DateTimeOffset? @lock)
    {
        if (unlock != null && due != null && unlock > due) throw ShellRefusal.Invalid("unlockAt", "The unlock date must be on or before the due date.");
        if (due != null && @lock != null && due > @lock) throw ShellRefusal.Invalid("lockAt", "The lock date must be on or after the due date.");
        if (unlock != null && @lock != null && unlock > @lock) throw ShellRefusal.Invalid("lockAt", "The lock date must be on or after the unlock date.");
    }

    Task RefreshAsync(Guid assignmentId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"select refresh_effective_due_dates(array[{assignmentId}]::uuid[])", ct);

    async Task<AssignmentView> ReadAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct) =>
        await reading.GetAsync(viewer, assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");

    async Task<AssignmentGroupView> GroupAsync(ShellViewer viewer, Guid shellId, Guid groupId, CancellationToken ct) =>
        (await reading.GroupsAsync(viewer, shellId, ct)).SingleOrDefault(g => g.Id == groupId) ?? throw ShellRefusal.NotFound("Assignment group");

    async Task<OverrideView?> OverrideAsync(Guid assignmentId, Guid? classId, Guid? studentId, CancellationToken ct) =>
        await db.Database.SqlQuery<OverrideView>($"""
            select id as "Id", assignment_id as "AssignmentId", class_id as "ClassId", student_id as "StudentId", due_at as "DueAt",
                   unlock_at as "UnlockAt", lock_at as "LockAt", reason as "Reason", updated_at as "UpdatedAt"
            from assignment_overrides
            where assignment_id = {assignmentId} and (class_id = {classId} or student_id = {studentId})
            """).SingleOrDefaultAsync(ct);

    async Task CheckGroupAsync(Guid shellId, Guid groupId, CancellationToken ct)
    {
        if (!await db.Database.SqlQuery<bool>($"""
                select exists (select 1 from assignment_groups where id = {groupId} and shell_id = {shellId}) as "Value"
                """).SingleAsync(ct))
            throw ShellRefusal.Invalid("groupId", "The group must be one of this course's assignment groups.");
    }

    async Task CheckModuleItemAsync(Guid shellId, Guid? moduleItemId, CancellationToken ct)
    {
        if (moduleItemId is not { } id) return;
        if (!await db.Database.SqlQuery<bool>($"""
                select exists (select 1 from module_items where id = {id} and shell_id = {shellId}) as "Value"
                """).SingleAsync(ct))
            throw ShellRefusal.Invalid("moduleItemId", "The module item must be one of this course's.");
    }

    async Task<int> NewVersionAsync(ShellViewer viewer, Guid itemId, string body, CancellationToken ct)
    {
        var number = await db.Database.SqlQuery<int>($"""
            update content_items set current_version_no = current_version_no + 1, updated_at = now() where id = {itemId}
            returning current_version_no as "Value"
            """).ToListAsync(ct);
        var sha = SHA256.HashData(Encoding.UTF8.GetBytes(body));
        await db.Database.ExecuteSqlAsync($"""
            insert into content_versions (tenant_id, item_id, version_no, author_id, body, sha256)
            values ({Tenant}, {itemId}, {number[0]}, {viewer.PersonId}, {body}, {sha})
            """, ct);
        return number[0];
    }

    static void CheckInstructions(string? body)
    {
        if (body is { Length: > 1_000_000 }) throw ShellRefusal.Invalid("instructions", "Instructions are at most 1,000,000 characters.");
    }

    static string Name(string? name) => name?.Trim() is { Length: >= 1 and <= 300 } n ? n
        : throw ShellRefusal.Invalid("name", "A name is 1 to 300 characters.");

    static string Title(string? title) => title?.Trim() is { Length: >= 1 and <= 300 } t ? t
        : throw ShellRefusal.Invalid("title", "A title is 1 to 300 characters.");

    static string Description(string d) => d.Length <= 10000 ? d : throw ShellRefusal.Invalid("description", "A description is at most 10,000 characters.");

    static decimal Weight(decimal w) => w is >= 0 and <= MaxWeight && decimal.Round(w, 4) == w ? w
        : throw ShellRefusal.Invalid("weight", "A weight is a number from 0 to 999.9999 (at most 4 decimals).");

    static int Drop(int n, string field) => n >= 0 ? n : throw ShellRefusal.Invalid(field, "The number of scores to drop cannot be negative.");

    static decimal Points(decimal p) => p is >= 0 and <= MaxPoints && decimal.Round(p, 2) == p ? p
        : throw ShellRefusal.Invalid("pointsPossible", "Points possible is a number from 0 to 9,999,999.99 (at most 2 decimals).");

    static string Grading(string g) => GradingType.All.Contains(g) ? g
        : throw ShellRefusal.Invalid("gradingType", $"Grading type is one of {string.Join(", ", GradingType.All)}.");

    static int? Attempts(int? n) => n is null or >= 1 ? n : throw ShellRefusal.Invalid("allowedAttempts", "Allowed attempts is at least 1 (leave it out for unlimited).");

    Task<IDbContextTransaction> BeginAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) =>
        access.BeginEditAsync(viewer, shellId, "Only the course's teachers and administrators may change its assignments.", ct);
}
