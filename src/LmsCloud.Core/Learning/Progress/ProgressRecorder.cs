using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Progress;

public sealed record ItemProgressResponse(Guid ModuleItemId, DateTimeOffset? FirstViewedAt, int? ViewedVersionNo, DateTimeOffset? CompletedAt,
    int? PositionSeconds, long TimeSpentSeconds);

public sealed record StudentProgressResponse(Guid StudentId, string DisplayName, int CompletedRequiredCount, int RequiredItemCount, decimal Percent,
    bool Completed, DateTimeOffset? StartedAt, DateTimeOffset? LastActivityAt);

/// <summary>The caller's progress in a shell: a student their own (with items), a guardian their children's, teachers and admins the class list.</summary>
public sealed record ShellProgressResponse(Guid ShellId, int RequiredItemCount, IReadOnlyList<StudentProgressResponse> Students,
    IReadOnlyList<ItemProgressResponse>? Items);

/// <summary>
/// Records a student's progress on module items and answers who may see whose. Writes are set-based and idempotent: a
/// view upserts the item row (first view and the version seen are kept, never overwritten); a completion is a guarded
/// update whose returned rows feed the numerator's delta, in the same statement, while the item row is locked for share
/// (see 0029). Completion by rule: must_view on first view, mark_done on mark done; must_submit and min_score complete
/// through <see cref="CompleteAsync"/>, the hook assignments and quizzes call (part 2).
/// </summary>
public sealed class ProgressRecorder(LmsDbContext db, ShellAccess access, ShellReading reading, ActivityLog activity,
    CourseCertificates certificates)
{
    const string CompleteSql = """
        with item as (
          select shell_id, published and requirement is not null as counts from module_items where tenant_id = $1 and id = $2 for share),
        done as (
          update item_progress set completed_at = now()
          where tenant_id = $1 and student_id = $3 and module_item_id = $2 and completed_at is null returning 1)
        insert into shell_progress (tenant_id, shell_id, student_id, completed_required_count)
        select $1, item.shell_id, $3, case when item.counts then (select count(*) from done) else 0 end from item
        on conflict (tenant_id, shell_id, student_id) do update
          set completed_required_count = shell_progress.completed_required_count + excluded.completed_required_count, last_activity_at = now()
        """;

    /// <summary>The student opened the item: first view (with the version shown) recorded once; must_view completes it.</summary>
    public async Task<ItemProgressResponse> ViewAsync(ShellViewer viewer, Guid shellId, Guid itemId, CancellationToken ct)
    {
        var (student, item) = await LearnerItemAsync(viewer, shellId, itemId, ct);
        return await ViewedAsync(student, shellId, item, ct);
    }

    /// <summary>
    /// The view of an item the page has already opened for this student with <see cref="ShellReading.OpenItem"/> (a
    /// student's own reading of the shell, so its locks were checked): no second evaluation of the shell.
    /// </summary>
    public async Task<ItemProgressResponse> ViewAsync(ShellViewer viewer, Guid shellId, ShellItemResponse item, CancellationToken ct) =>
        await ViewedAsync(await LearnerAsync(viewer, shellId, ct), shellId, item, ct);

    async Task<ItemProgressResponse> ViewedAsync(Guid student, Guid shellId, ShellItemResponse item, CancellationToken ct)
    {
        var itemId = item.Id;
        await ExecAsync("""
            insert into item_progress (tenant_id, student_id, module_item_id, shell_id, first_viewed_at, viewed_version_no, last_viewed_at)
            values ($1, $3, $2, $4, now(), $5, now())
            on conflict (tenant_id, student_id, module_item_id) do update set last_viewed_at = now(),
              first_viewed_at = coalesce(item_progress.first_viewed_at, now()),
              viewed_version_no = coalesce(item_progress.viewed_version_no, excluded.viewed_version_no)
            """, ct, item.Id, student, shellId, (object?)item.PublishedVersionNo ?? DBNull.Value);
        if (item.Requirement == CompletionRequirement.MustView) await CompleteItemAsync(item.Id, student, shellId, ct);
        else await ExecAsync(CompleteSql.Replace("completed_at is null", "false"), ct, item.Id, student); // started, last activity
        await activity.AppendAsync([new ActivityEvent(student, shellId, itemId, ActivityKinds.View, DateTimeOffset.UtcNow, item.PublishedVersionNo)], ct);
        return await ItemAsync(student, itemId, ct);
    }

    /// <summary>The student marked the item done (mark_done, or an optional item). Twice is the same as once.</summary>
    public async Task<ItemProgressResponse> MarkDoneAsync(ShellViewer viewer, Guid shellId, Guid itemId, CancellationToken ct)
    {
        var (student, item) = await LearnerItemAsync(viewer, shellId, itemId, ct);
        if (item.Requirement is CompletionRequirement.MustSubmit or CompletionRequirement.MinScore)
            throw ShellRefusal.Conflict("This item is completed by submitting it, not by marking it done.");
        await EnsureRowAsync(student, shellId, itemId, ct);
        await CompleteItemAsync(item.Id, student, shellId, ct);
        await activity.AppendAsync([new ActivityEvent(student, shellId, itemId, ActivityKinds.Done, DateTimeOffset.UtcNow)], ct);
        return await ItemAsync(student, itemId, ct);
    }

    /// <summary>The resume point in a video or long lesson.</summary>
    public async Task<ItemProgressResponse> PositionAsync(ShellViewer viewer, Guid shellId, Guid itemId, int seconds, CancellationToken ct)
    {
        if (seconds is < 0 or > 86_400) throw ShellRefusal.Invalid("seconds", "The position is a number of seconds from 0 to 86400.");
        var student = await ViewedItemAsync(viewer, shellId, itemId, ct);
        await ExecAsync("update item_progress set position_s = $4, position_at = now() where tenant_id = $1 and module_item_id = $2 and student_id = $3",
            ct, itemId, student, seconds);
        await activity.AppendAsync([new ActivityEvent(student, shellId, itemId, ActivityKinds.Position, DateTimeOffset.UtcNow, PositionSeconds: seconds)], ct);
        return await ItemAsync(student, itemId, ct);
    }

    /// <summary>Heartbeats from the item's page (one, or a buffered batch with the client's event ids and times).</summary>
    public async Task<int> HeartbeatsAsync(ShellViewer viewer, Guid shellId, Guid itemId, IReadOnlyList<(Guid? Id, DateTimeOffset At)> beats,
        DateTimeOffset now, CancellationToken ct)
    {
        if (beats.Count > 500) throw ShellRefusal.Invalid("events", "At most 500 events in one request.");
        foreach (var (_, at) in beats)
            if (ActivityLog.CheckTime(at, now) is { } problem) throw ShellRefusal.Invalid("occurredAt", problem);
        var student = await ViewedItemAsync(viewer, shellId, itemId, ct);
        return await activity.AppendAsync(beats.Select(b => new ActivityEvent(student, shellId, itemId, ActivityKinds.Heartbeat, b.At, Id: b.Id)).ToList(), ct);
    }

    /// <summary>The completion hook for items completed elsewhere (a submission, a minimum score): idempotent, counts once.</summary>
    public async Task CompleteAsync(Guid student, Guid shellId, Guid itemId, CancellationToken ct)
    {
        await EnsureRowAsync(student, shellId, itemId, ct);
        await CompleteItemAsync(itemId, student, shellId, ct);
    }

    /// <summary>GET /api/shells/{id}/progress: whose progress depends on who asks (students their own, guardians their children's, editors the class).</summary>
    public async Task<ShellProgressResponse> ForViewerAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var shell = await access.Readable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct) ?? throw ShellRefusal.NotFound("Course");
        var editor = await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct);
        var me = viewer.PersonId;
        var enrolled = from l in db.Set<CourseShellClass>()
                       join e in db.Enrollments on l.ClassId equals e.ClassId
                       where l.ShellId == shellId && e.Role == RosterRoles.Student && e.Status == "active"
                       select e.UserId;
        var catalog = db.Set<CatalogEnrollment>().Where(c => c.ShellId == shellId && c.State == CatalogEnrollmentState.Enrolled).Select(c => c.PersonId);
        List<Guid> students;
        if (editor) students = await enrolled.Union(catalog).ToListAsync(ct); // the class lists and who enrolled from the catalog
        else if (me is { } self && (viewer.Is(Roles.Student) && await enrolled.ContainsAsync(self, ct) || await access.SelfEnrolledAsync(self, shellId, ct)))
            students = [self];
        else if (viewer.Is(Roles.Guardian) && me is { } guardian)
            students = await enrolled.Where(s => db.GuardianLinks.Any(g => g.GuardianId == guardian && g.StudentId == s)).Distinct().ToListAsync(ct);
        else throw ShellRefusal.Forbidden("Only the course's students, their guardians, its teachers and admins see its progress.");

        var rows = await (
            from u in db.Users.AsNoTracking()
            where students.Contains(u.Id)
            join p in db.Set<ShellProgressRow>().Where(p => p.ShellId == shellId) on u.Id equals p.StudentId into ps
            from p in ps.DefaultIfEmpty()
            orderby u.FamilyName, u.GivenName, u.Id
            select new { u.Id, u.DisplayName, Done = (int?)p.CompletedRequiredCount, Started = (DateTimeOffset?)p.StartedAt, Last = (DateTimeOffset?)p.LastActivityAt })
            .ToListAsync(ct);
        var required = shell.RequiredItemCount;
        var list = rows.Select(r => new StudentProgressResponse(r.Id, r.DisplayName, r.Done ?? 0, required, Percent(r.Done ?? 0, required),
            required > 0 && (r.Done ?? 0) >= required, r.Started, r.Last)).ToList();
        IReadOnlyList<ItemProgressResponse>? items = null;
        if (!editor && students.Count == 1 && students[0] == me)
            items = await db.Set<ItemProgressRow>().AsNoTracking().Where(p => p.ShellId == shellId && p.StudentId == me)
                .OrderBy(p => p.ModuleItemId)
                .Select(p => new ItemProgressResponse(p.ModuleItemId, p.FirstViewedAt, p.ViewedVersionNo, p.CompletedAt, p.PositionSeconds, p.TimeSpentSeconds))
                .ToListAsync(ct);
        return new ShellProgressResponse(shellId, required, list, items);
    }

    /// <summary>Percent complete, derived from the stored numerator and denominator (2 dp, half up).</summary>
    public static decimal Percent(int done, int required) =>
        required <= 0 ? 0m : Math.Round(100m * Math.Min(done, required) / required, 2, MidpointRounding.AwayFromZero);

    /// <summary>
    /// The student and the item they act on, as <see cref="ShellReading.OpenItemAsync"/> shows it to them: 403 for anyone
    /// but a student, 404 for an item they cannot see, 403 with the reason for a locked one.
    /// </summary>
    async Task<(Guid Student, ShellItemResponse Item)> LearnerItemAsync(ShellViewer viewer, Guid shellId, Guid itemId, CancellationToken ct) =>
        (await LearnerAsync(viewer, shellId, ct), await OpenAsLearnerAsync(viewer, shellId, itemId, ct));

    /// <summary>The person recording progress: a student, or anyone enrolled in the shell from the catalog; 403 otherwise.</summary>
    async Task<Guid> LearnerAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) =>
        viewer.PersonId is { } student && (viewer.Is(Roles.Student) || await access.SelfEnrolledAsync(student, shellId, ct))
            ? student
            : throw ShellRefusal.Forbidden("Only students and people enrolled from the catalog record progress.");

    /// <summary>The item as a student sees it (not as a teacher who previews): 404 if not visible, 403 with the reason if locked.</summary>
    Task<ShellItemResponse> OpenAsLearnerAsync(ShellViewer viewer, Guid shellId, Guid itemId, CancellationToken ct) =>
        reading.OpenItemAsync(viewer with { Roles = new HashSet<string> { Roles.Student } }, shellId, itemId, ct);

    /// <summary>
    /// The student acting on an item they have opened before (heartbeats, the resume position): one lookup of their
    /// recorded view on the item's primary key instead of the full lock evaluation, which ran when that view was recorded
    /// (<see cref="ViewAsync"/>) and need not run again every 30 seconds. Without a view, the full check answers as it would
    /// (403 for a teacher, 404 for an item they cannot see, 403 with the reason for a locked one); an item they may open
    /// but never did is refused (403): time and position belong to a visit.
    /// </summary>
    async Task<Guid> ViewedItemAsync(ShellViewer viewer, Guid shellId, Guid itemId, CancellationToken ct)
    {
        var student = await LearnerAsync(viewer, shellId, ct);
        var viewed = await db.Set<ItemProgressRow>().AsNoTracking()
            .AnyAsync(p => p.StudentId == student && p.ModuleItemId == itemId && p.ShellId == shellId && p.FirstViewedAt != null, ct);
        if (viewed) return student;
        await OpenAsLearnerAsync(viewer, shellId, itemId, ct);
        throw ShellRefusal.Forbidden("Open the item before recording time or a position on it.");
    }

    /// <summary>Completes the item once; a completion that finishes the shell issues its certificate (if it issues one).</summary>
    async Task CompleteItemAsync(Guid itemId, Guid student, Guid shellId, CancellationToken ct)
    {
        await ExecAsync(CompleteSql, ct, itemId, student);
        await certificates.IssueIfCompletedAsync(shellId, student, ct);
    }

    Task EnsureRowAsync(Guid student, Guid shellId, Guid itemId, CancellationToken ct) => ExecAsync("""
        insert into item_progress (tenant_id, student_id, module_item_id, shell_id) values ($1, $3, $2, $4) on conflict do nothing
        """, ct, itemId, student, shellId);

    async Task<ItemProgressResponse> ItemAsync(Guid student, Guid itemId, CancellationToken ct) =>
        await db.Set<ItemProgressRow>().AsNoTracking().Where(p => p.StudentId == student && p.ModuleItemId == itemId)
            .Select(p => new ItemProgressResponse(p.ModuleItemId, p.FirstViewedAt, p.ViewedVersionNo, p.CompletedAt, p.PositionSeconds, p.TimeSpentSeconds))
            .SingleAsync(ct);

    /// <summary>One statement with $1 = the district, then the given parameters as $2, $3, ...</summary>
    async Task ExecAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        cmd.Parameters.AddWithValue(db.TenantId ?? throw new InvalidOperationException("No district."));
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
