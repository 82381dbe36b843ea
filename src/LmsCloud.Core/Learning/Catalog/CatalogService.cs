using System.Text.RegularExpressions;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Catalog;

/// <summary>What an admin sets when listing a shell (null tags: none; null seat limit: unlimited).</summary>
public sealed record CatalogListingInput(string? Audience, IReadOnlyList<string>? Tags, int? SeatLimit, DateTimeOffset? OpensAt,
    DateTimeOffset? ClosesAt, Guid? PrerequisiteShellId);

/// <summary>A catalog course as the caller sees it: the listing, seats left, the rating (sum / count), and their own state.</summary>
public sealed record CatalogCourse(Guid ShellId, string Title, string Description, string Audience, IReadOnlyList<string> Tags, int? SeatLimit,
    int EnrollmentCount, int? SeatsLeft, DateTimeOffset? OpensAt, DateTimeOffset? ClosesAt, Guid? PrerequisiteShellId, string? PrerequisiteTitle,
    int ReviewCount, decimal? AverageRating, int BookmarkCount, bool Listed, string? MyState, int? MyWaitlistPosition, bool Bookmarked, int? MyRating);

public sealed record CatalogReviewInput(int? Rating, string? Body);

/// <summary>
/// The district's course catalog: listing (admins), search, self-enrolment with seat limits and a waitlist, reviews and
/// bookmarks. Seats never oversell: a seat is the conditional <c>UPDATE ... enrollment_count + 1 ... WHERE
/// enrollment_count &lt; seat_limit RETURNING</c> in the transaction that writes the enrolment row; no row back means the
/// waitlist. Every path that moves a counter locks the listing row before the child rows (enrolments) or moves it in
/// the statement that changed the child row (reviews, bookmarks), so counters are exact under concurrency and the
/// lock order (listing, then enrolment) cannot deadlock. Refusals are <see cref="ShellRefusal"/>s (404 for a course
/// the caller cannot see, 403 for one they may see but not change, 409 a state that forbids it).
/// </summary>
public sealed partial class CatalogService(LmsDbContext db, ShellAccess access, AuditLog audit, TimeProvider clock)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    static readonly string[] StaffRoles = [Roles.DistrictAdmin, Roles.SchoolAdmin, Roles.Teacher];

    /// <summary>The audiences a viewer belongs to: students, staff (teachers and admins), or both.</summary>
    public static string[] AudiencesOf(ShellViewer viewer)
    {
        var student = viewer.Is(Roles.Student);
        var staff = StaffRoles.Any(viewer.Is);
        return (student, staff) switch
        {
            (true, true) => CatalogAudience.All,
            (true, false) => [CatalogAudience.Students, CatalogAudience.Both],
            (false, true) => [CatalogAudience.Staff, CatalogAudience.Both],
            _ => [],
        };
    }

    public static bool CanManage(ShellViewer viewer) => viewer.Is(Roles.DistrictAdmin) || viewer.Is(Roles.SchoolAdmin);

    /// <summary>Shells the viewer may list: district admins every shell, school admins their schools' (never as a teacher).</summary>
    IQueryable<CourseShell> Manageable(ShellViewer viewer) =>
        access.Editable(viewer with { Roles = viewer.Roles.Where(r => r is Roles.DistrictAdmin or Roles.SchoolAdmin).ToHashSet() });

    // ---- browsing ------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Listed courses of the viewer's audience, searched (title, tags, description; each word a prefix) and filtered by
    /// tag, most relevant first (then title). bookmarkedOnly: "My bookmarks".
    /// </summary>
    public async Task<PagedList<CatalogCourse>> SearchAsync(ShellViewer viewer, string? q, string? tag, bool bookmarkedOnly, int page, int pageSize,
        CancellationToken ct)
    {
        if (page < 1) throw ShellRefusal.Invalid("page", "The page is a number from 1.");
        if (pageSize is < 1 or > 100) throw ShellRefusal.Invalid("pageSize", "The page size is a number from 1 to 100.");
        var query = Visible(viewer);
        if (!string.IsNullOrWhiteSpace(tag)) query = query.Where(l => l.Tags.Contains(tag.Trim().ToLowerInvariant()));
        if (bookmarkedOnly)
        {
            var me = viewer.PersonId;
            query = query.Where(l => db.Set<CatalogBookmark>().Any(b => b.ShellId == l.ShellId && b.PersonId == me));
        }
        var tsquery = PrefixQuery(q);
        var ordered = tsquery == null
            ? query.OrderBy(l => l.Title).ThenBy(l => l.ShellId)
            : query.Where(l => l.Tsv!.Matches(EF.Functions.ToTsQuery("simple", tsquery)))
                .OrderByDescending(l => l.Tsv!.Rank(EF.Functions.ToTsQuery("simple", tsquery))).ThenBy(l => l.Title).ThenBy(l => l.ShellId);
        var found = await PagedList.CreateAsync(ordered, page, pageSize, l => l, ct);
        var courses = await DescribeAsync(viewer, found.Items, ct);
        return new PagedList<CatalogCourse>(courses, found.Page, found.PageSize, found.Total);
    }

    /// <summary>The tags in use on the viewer's visible courses, for the tag filter.</summary>
    public async Task<IReadOnlyList<string>> TagsAsync(ShellViewer viewer, CancellationToken ct) =>
        (await Visible(viewer).Select(l => l.Tags).ToListAsync(ct)).SelectMany(t => t).Distinct().Order().ToList();

    public async Task<CatalogCourse> GetAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var listing = await Visible(viewer).SingleOrDefaultAsync(l => l.ShellId == shellId, ct) ?? throw ShellRefusal.NotFound("Catalog course");
        return (await DescribeAsync(viewer, [listing], ct))[0];
    }

    /// <summary>Listed courses of the viewer's audience (the catalog they browse).</summary>
    IQueryable<CatalogListing> Visible(ShellViewer viewer)
    {
        var audiences = AudiencesOf(viewer);
        return db.Set<CatalogListing>().AsNoTracking().Where(l => l.UnlistedAt == null && audiences.Contains(l.Audience));
    }

    // "alg intro" -> "alg:* & intro:*": each word a prefix, so typing finds a course before the word is finished.
    static string? PrefixQuery(string? q)
    {
        if (string.IsNullOrWhiteSpace(q)) return null;
        var words = Word().Matches(q.ToLowerInvariant()).Select(m => m.Value).Take(10).ToList();
        return words.Count == 0 ? null : string.Join(" & ", words.Select(w => w + ":*"));
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();

    async Task<List<CatalogCourse>> DescribeAsync(ShellViewer viewer, IReadOnlyList<CatalogListing> listings, CancellationToken ct)
    {
        var ids = listings.Select(l => l.ShellId).ToList();
        var prereqIds = listings.Where(l => l.PrerequisiteShellId != null).Select(l => l.PrerequisiteShellId!.Value).Distinct().ToList();
        var prereqTitles = await db.Set<CourseShell>().AsNoTracking().Where(s => prereqIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.Title, ct);
        var me = viewer.PersonId;
        var mine = await db.Set<CatalogEnrollment>().AsNoTracking().Where(e => e.PersonId == me && ids.Contains(e.ShellId)).ToListAsync(ct);
        var marks = await db.Set<CatalogBookmark>().AsNoTracking().Where(b => b.PersonId == me && ids.Contains(b.ShellId)).Select(b => b.ShellId).ToListAsync(ct);
        var ratings = await db.Set<CatalogReview>().AsNoTracking().Where(r => r.PersonId == me && ids.Contains(r.ShellId))
            .ToDictionaryAsync(r => r.ShellId, r => (int)r.Rating, ct);
        // A waitlist position is shown as the place in the queue now (positions handed out keep gaps when people leave).
        var waiting = mine.Where(e => e.State == CatalogEnrollmentState.Waitlisted).ToList();
        var places = new Dictionary<Guid, int>();
        foreach (var w in waiting)
            places[w.ShellId] = await db.Set<CatalogEnrollment>().CountAsync(e =>
                e.ShellId == w.ShellId && e.State == CatalogEnrollmentState.Waitlisted && e.WaitlistPosition <= w.WaitlistPosition, ct);
        return listings.Select(l =>
        {
            var my = mine.FirstOrDefault(e => e.ShellId == l.ShellId);
            return new CatalogCourse(l.ShellId, l.Title, l.Description, l.Audience, l.Tags, l.SeatLimit, l.EnrollmentCount,
                l.SeatLimit is { } limit ? Math.Max(0, limit - l.EnrollmentCount) : null, l.OpensAt, l.ClosesAt, l.PrerequisiteShellId,
                l.PrerequisiteShellId is { } p ? prereqTitles.GetValueOrDefault(p) : null, l.ReviewCount, Average(l.RatingSum, l.ReviewCount),
                l.BookmarkCount, l.UnlistedAt == null, my?.State, places.TryGetValue(l.ShellId, out var place) ? place : null,
                marks.Contains(l.ShellId), ratings.TryGetValue(l.ShellId, out var r) ? r : null);
        }).ToList();
    }

    /// <summary>The average rating from the stored sum and count (1 dp, half up); null with no reviews.</summary>
    public static decimal? Average(int sum, int count) =>
        count <= 0 ? null : Math.Round((decimal)sum / count, 1, MidpointRounding.AwayFromZero);

    // ---- managing the catalog ------------------------------------------------------------------------------------------

    /// <summary>Every listing the admin manages (listed or not) and the published shells they could list.</summary>
    public async Task<IReadOnlyList<CatalogCourse>> ManagedAsync(ShellViewer viewer, CancellationToken ct)
    {
        if (!CanManage(viewer)) throw ShellRefusal.Forbidden("Only district and school admins manage the catalog.");
        var shells = Manageable(viewer).Select(s => s.Id);
        var listings = await db.Set<CatalogListing>().AsNoTracking().Where(l => shells.Contains(l.ShellId))
            .OrderBy(l => l.UnlistedAt != null).ThenBy(l => l.Title).ToListAsync(ct);
        return await DescribeAsync(viewer, listings, ct);
    }

    public async Task<IReadOnlyList<CourseShell>> ListableShellsAsync(ShellViewer viewer, CancellationToken ct) => CanManage(viewer)
        ? await Manageable(viewer).Where(s => s.Status == ShellStatus.Published).OrderBy(s => s.Title).ThenBy(s => s.Id).Take(500).ToListAsync(ct)
        : [];

    public async Task<CatalogReconcileRun?> LastReconcileAsync(CancellationToken ct) =>
        await db.Set<CatalogReconcileRun>().AsNoTracking().OrderByDescending(r => r.FinishedAt).FirstOrDefaultAsync(ct);

    /// <summary>Lists a published shell (or changes its listing, or lists it again); a raised seat limit promotes the waitlist.</summary>
    public async Task<CatalogCourse> ListAsync(ShellViewer viewer, Guid shellId, CatalogListingInput input, CancellationToken ct)
    {
        if (!CanManage(viewer)) throw ShellRefusal.Forbidden("Only district and school admins list courses in the catalog.");
        var shell = await Manageable(viewer).SingleOrDefaultAsync(s => s.Id == shellId, ct) ?? throw ShellRefusal.NotFound("Course");
        if (shell.Status != ShellStatus.Published) throw ShellRefusal.Conflict($"“{shell.Title}” is not published: publish it before listing it.");
        var audience = input.Audience is { } a && CatalogAudience.All.Contains(a) ? a
            : throw ShellRefusal.Invalid("audience", "The audience is students, staff or both.");
        var tags = (input.Tags ?? []).Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToArray();
        if (tags.Length > 20 || tags.Any(t => t.Length > 40)) throw ShellRefusal.Invalid("tags", "At most 20 tags, each at most 40 characters.");
        if (input.SeatLimit is < 1 or > 100_000) throw ShellRefusal.Invalid("seatLimit", "The seat limit is a number from 1 to 100000, or empty for unlimited.");
        if (input is { OpensAt: { } opens, ClosesAt: { } closes } && closes <= opens)
            throw ShellRefusal.Invalid("closesAt", "The enrolment window closes after it opens.");
        if (input.PrerequisiteShellId is { } prereq)
        {
            if (prereq == shellId) throw ShellRefusal.Invalid("prerequisiteShellId", "A course cannot be its own prerequisite.");
            if (!await db.Set<CourseShell>().AnyAsync(s => s.Id == prereq, ct))
                throw ShellRefusal.Invalid("prerequisiteShellId", "The prerequisite is not a course of this district.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var before = await db.Set<CatalogListing>().AsNoTracking().SingleOrDefaultAsync(l => l.ShellId == shellId, ct);
        await ExecAsync("""
            insert into catalog_listings (tenant_id, shell_id, title, description, audience, tags, seat_limit, opens_at, closes_at,
              prerequisite_shell_id, listed_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            on conflict (tenant_id, shell_id) do update set title = excluded.title, description = excluded.description,
              audience = excluded.audience, tags = excluded.tags, seat_limit = excluded.seat_limit, opens_at = excluded.opens_at,
              closes_at = excluded.closes_at, prerequisite_shell_id = excluded.prerequisite_shell_id, unlisted_at = null, updated_at = now(),
              listed_at = case when catalog_listings.unlisted_at is null then catalog_listings.listed_at else now() end
            """, ct, shellId, shell.Title, shell.Description, audience, tags, Db(input.SeatLimit), Db(input.OpensAt), Db(input.ClosesAt),
            Db(input.PrerequisiteShellId), Db(viewer.PersonId));
        var promoted = await PromoteAsync(shellId, ct);
        await audit.WriteAsync(new AuditEntry(before == null ? "catalog.listed" : "catalog.listing_changed", "course_shell", shellId.ToString(),
            Before: before == null ? null : Snapshot(before),
            After: new { audience, tags, seatLimit = input.SeatLimit, input.OpensAt, input.ClosesAt, input.PrerequisiteShellId, promoted = promoted.Count }), ct);
        await tx.CommitAsync(ct);
        return (await DescribeAsync(viewer, [await db.Set<CatalogListing>().AsNoTracking().SingleAsync(l => l.ShellId == shellId, ct)], ct))[0];
    }

    /// <summary>Takes a course out of the catalog: no new enrolments; those enrolled keep their seats and the course.</summary>
    public async Task UnlistAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        if (!CanManage(viewer)) throw ShellRefusal.Forbidden("Only district and school admins change the catalog.");
        if (!await Manageable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Course");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var changed = await ExecAsync("update catalog_listings set unlisted_at = now(), updated_at = now() where tenant_id = $1 and shell_id = $2 and unlisted_at is null",
            ct, shellId);
        if (changed == 0) throw ShellRefusal.NotFound("Catalog course");
        await audit.WriteAsync(new AuditEntry("catalog.unlisted", "course_shell", shellId.ToString()), ct);
        await tx.CommitAsync(ct);
    }

    static object Snapshot(CatalogListing l) => new { l.Audience, l.Tags, l.SeatLimit, l.OpensAt, l.ClosesAt, l.PrerequisiteShellId, listed = l.UnlistedAt == null };

    // ---- self-enrolment --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Enrols the caller: a seat if one is left, else the waitlist. Enrolling again while enrolled or waitlisted changes
    /// nothing. 404 outside their audience, 409 outside the window or with the prerequisite not completed (naming it).
    /// </summary>
    public async Task<CatalogCourse> EnrolAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.Forbidden("Only people enrol in catalog courses.");
        var listing = await Visible(viewer).SingleOrDefaultAsync(l => l.ShellId == shellId, ct) ?? throw ShellRefusal.NotFound("Catalog course");
        var now = clock.GetUtcNow();
        if (listing.OpensAt is { } opens && now < opens) throw ShellRefusal.Conflict($"Enrolment in “{listing.Title}” opens {opens:yyyy-MM-dd HH:mm} UTC.");
        if (listing.ClosesAt is { } closes && now >= closes) throw ShellRefusal.Conflict($"Enrolment in “{listing.Title}” closed {closes:yyyy-MM-dd HH:mm} UTC.");
        if (listing.PrerequisiteShellId is { } prereq && !await CompletedAsync(me, prereq, ct))
        {
            var title = await db.Set<CourseShell>().Where(s => s.Id == prereq).Select(s => s.Title).SingleAsync(ct);
            throw new ShellRefusal(409, "Prerequisite not completed", $"Complete “{title}” before enrolling in “{listing.Title}”.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var seat = await ExecAsync("""
            update catalog_listings set enrollment_count = enrollment_count + 1
            where tenant_id = $1 and shell_id = $2 and unlisted_at is null and (seat_limit is null or enrollment_count < seat_limit)
            """, ct, shellId) == 1;
        int? position = seat ? null : await ScalarAsync<int>(
            "update catalog_listings set waitlist_next = waitlist_next + 1 where tenant_id = $1 and shell_id = $2 returning waitlist_next", ct, shellId);
        var state = seat ? CatalogEnrollmentState.Enrolled : CatalogEnrollmentState.Waitlisted;
        var written = await ExecAsync("""
            insert into catalog_enrollments (tenant_id, shell_id, person_id, state, waitlist_position, enrolled_at)
            values ($1, $2, $3, $4, $5, case when $4 = 'enrolled' then now() end)
            on conflict (tenant_id, shell_id, person_id) do update set state = excluded.state, waitlist_position = excluded.waitlist_position,
              requested_at = now(), enrolled_at = excluded.enrolled_at, withdrawn_at = null
            where catalog_enrollments.state = 'withdrawn'
            """, ct, shellId, me, state, Db(position));
        if (written == 0)
        {
            // already enrolled or waitlisted: give the seat back (the waitlist position handed out stays a gap)
            if (seat) await ExecAsync("update catalog_listings set enrollment_count = enrollment_count - 1 where tenant_id = $1 and shell_id = $2", ct, shellId);
        }
        else
            await audit.WriteAsync(new AuditEntry(seat ? "catalog.enrolled" : "catalog.waitlisted", "course_shell", shellId.ToString(), me,
                After: new { state, waitlistPosition = position }), ct);
        await tx.CommitAsync(ct);
        return await GetAsync(viewer, shellId, ct);
    }

    /// <summary>Withdraws the caller (enrolled or waitlisted); a freed seat goes to the first waitlisted person, in the same transaction.</summary>
    public async Task<CatalogCourse> WithdrawAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.Forbidden("Only people enrol in catalog courses.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // the listing first, then the enrolment: the same lock order as enrolling
        if (await ExecAsync("select 1 from catalog_listings where tenant_id = $1 and shell_id = $2 for no key update", ct, shellId) == 0)
            throw ShellRefusal.NotFound("Catalog course");
        var old = await ScalarAsync<string>(
            "select state from catalog_enrollments where tenant_id = $1 and shell_id = $2 and person_id = $3 and state <> 'withdrawn' for update",
            ct, shellId, me);
        if (old != null)
            await ExecAsync("""
                update catalog_enrollments set state = 'withdrawn', waitlist_position = null, withdrawn_at = now()
                where tenant_id = $1 and shell_id = $2 and person_id = $3
                """, ct, shellId, me);
        if (old == null) throw ShellRefusal.Conflict("You are not enrolled or waitlisted in this course.");
        List<Guid> promoted = [];
        if (old == CatalogEnrollmentState.Enrolled)
        {
            await ExecAsync("update catalog_listings set enrollment_count = enrollment_count - 1 where tenant_id = $1 and shell_id = $2", ct, shellId);
            promoted = await PromoteAsync(shellId, ct);
        }
        await audit.WriteAsync(new AuditEntry("catalog.withdrawn", "course_shell", shellId.ToString(), me, Before: new { state = old }), ct);
        await tx.CommitAsync(ct);
        return await CourseOrWithdrawnAsync(viewer, shellId, ct);
    }

    async Task<CatalogCourse> CourseOrWithdrawnAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var listing = await db.Set<CatalogListing>().AsNoTracking().SingleAsync(l => l.ShellId == shellId, ct);
        return (await DescribeAsync(viewer, [listing], ct))[0];
    }

    /// <summary>Seats left go to the waitlist in position order: each a conditional seat UPDATE, then the first waitlisted row.</summary>
    async Task<List<Guid>> PromoteAsync(Guid shellId, CancellationToken ct)
    {
        List<Guid> promoted = [];
        while (await ExecAsync("""
            update catalog_listings set enrollment_count = enrollment_count + 1
            where tenant_id = $1 and shell_id = $2 and unlisted_at is null and (seat_limit is null or enrollment_count < seat_limit)
              and exists (select 1 from catalog_enrollments where tenant_id = $1 and shell_id = $2 and state = 'waitlisted')
            """, ct, shellId) == 1)
        {
            // Two statements: an UPDATE ... FROM (subquery LIMIT 1 FOR UPDATE) may rescan the subquery per row and promote everyone.
            var first = await ScalarAsync<Guid?>("""
                select person_id from catalog_enrollments where tenant_id = $1 and shell_id = $2 and state = 'waitlisted'
                order by waitlist_position limit 1 for update
                """, ct, shellId);
            var person = first is { } candidate && await ExecAsync("""
                update catalog_enrollments set state = 'enrolled', waitlist_position = null, enrolled_at = now()
                where tenant_id = $1 and shell_id = $2 and person_id = $3 and state = 'waitlisted'
                """, ct, shellId, candidate) == 1 ? first : null;
            if (person is not { } p)
            {
                // the one waiting left meanwhile: no one takes this seat
                await ExecAsync("update catalog_listings set enrollment_count = enrollment_count - 1 where tenant_id = $1 and shell_id = $2", ct, shellId);
                break;
            }
            promoted.Add(p);
            await audit.WriteAsync(new AuditEntry("catalog.promoted_from_waitlist", "course_shell", shellId.ToString(), p,
                After: new { state = CatalogEnrollmentState.Enrolled }), ct);
        }
        return promoted;
    }

    /// <summary>Completed a course: every required item done, and it has some (<c>shell_progress</c> against <c>required_item_count</c>).</summary>
    Task<bool> CompletedAsync(Guid person, Guid shellId, CancellationToken ct) =>
        db.Set<ShellProgressRow>().AnyAsync(p => p.ShellId == shellId && p.StudentId == person &&
            db.Set<CourseShell>().Any(s => s.Id == shellId && s.RequiredItemCount > 0 && p.CompletedRequiredCount >= s.RequiredItemCount), ct);

    // ---- reviews and bookmarks -------------------------------------------------------------------------------------------

    /// <summary>Writes or edits the caller's review (1–5) of a course they are enrolled in; the counters move only if it changed.</summary>
    public async Task<CatalogCourse> ReviewAsync(ShellViewer viewer, Guid shellId, CatalogReviewInput input, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.Forbidden("Only people review catalog courses.");
        if (input.Rating is not (>= 1 and <= 5) || input.Rating is not { } rating) throw ShellRefusal.Invalid("rating", "The rating is a whole number from 1 to 5.");
        var body = (input.Body ?? "").Trim();
        if (body.Length > 4000) throw ShellRefusal.Invalid("body", "A review is at most 4,000 characters.");
        if (!await db.Set<CatalogListing>().AnyAsync(l => l.ShellId == shellId && AudiencesOf(viewer).Contains(l.Audience), ct))
            throw ShellRefusal.NotFound("Catalog course");
        if (!await db.Set<CatalogEnrollment>().AnyAsync(e => e.ShellId == shellId && e.PersonId == me && e.State == CatalogEnrollmentState.Enrolled, ct))
            throw ShellRefusal.Forbidden("Only people enrolled in the course review it.");

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // A new review: the insert's returned row feeds the counters in the same statement.
        var inserted = await ExecAsync("""
            with added as (
              insert into catalog_reviews (tenant_id, shell_id, person_id, rating, body) values ($1, $2, $3, $4, $5)
              on conflict (tenant_id, shell_id, person_id) do nothing returning rating)
            update catalog_listings set review_count = review_count + 1, rating_sum = rating_sum + added.rating
            from added where tenant_id = $1 and shell_id = $2
            """, ct, shellId, me, (short)rating, body) == 1;
        if (!inserted)
            // An edit: the locked old row's rating and the new one make the delta (zero when only the text changed).
            await ExecAsync("""
                with old as (select rating, body from catalog_reviews where tenant_id = $1 and shell_id = $2 and person_id = $3 for update),
                edited as (
                  update catalog_reviews r set rating = $4, body = $5, updated_at = now() from old
                  where r.tenant_id = $1 and r.shell_id = $2 and r.person_id = $3 and (old.rating, old.body) is distinct from ($4, $5)
                  returning old.rating as old_rating)
                update catalog_listings set rating_sum = rating_sum + $4 - edited.old_rating
                from edited where tenant_id = $1 and shell_id = $2 and edited.old_rating <> $4
                """, ct, shellId, me, (short)rating, body);
        await tx.CommitAsync(ct);
        return await GetAsync(viewer, shellId, ct);
    }

    /// <summary>Saves or un-saves a course for the caller; twice is the same as once (the counter moves only when a row did).</summary>
    public async Task<CatalogCourse> BookmarkAsync(ShellViewer viewer, Guid shellId, bool saved, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.Forbidden("Only people bookmark catalog courses.");
        if (!await Visible(viewer).AnyAsync(l => l.ShellId == shellId, ct)) throw ShellRefusal.NotFound("Catalog course");
        await ExecAsync(saved
            ? """
              with changed as (insert into catalog_bookmarks (tenant_id, person_id, shell_id) values ($1, $3, $2) on conflict do nothing returning 1)
              update catalog_listings set bookmark_count = bookmark_count + (select count(*) from changed)
              where tenant_id = $1 and shell_id = $2 and exists (select 1 from changed)
              """
            : """
              with changed as (delete from catalog_bookmarks where tenant_id = $1 and person_id = $3 and shell_id = $2 returning 1)
              update catalog_listings set bookmark_count = bookmark_count - (select count(*) from changed)
              where tenant_id = $1 and shell_id = $2 and exists (select 1 from changed)
              """, ct, shellId, me);
        return await GetAsync(viewer, shellId, ct);
    }

    // ---- SQL -------------------------------------------------------------------------------------------------------------

    static object Db<T>(T? value) => (object?)value ?? DBNull.Value;

    /// <summary>One statement with $1 = the district, then the given parameters as $2, $3, ...; rows affected (or returned by a select).</summary>
    async Task<int> ExecAsync(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var cmd = await CommandAsync(sql, parameters, ct);
        if (!sql.TrimStart().StartsWith("select", StringComparison.OrdinalIgnoreCase)) return await cmd.ExecuteNonQueryAsync(ct);
        var rows = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows++;
        return rows;
    }

    async Task<T?> ScalarAsync<T>(string sql, CancellationToken ct, params object[] parameters)
    {
        await using var cmd = await CommandAsync(sql, parameters, ct);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is null or DBNull ? default : (T)value;
    }

    async Task<NpgsqlCommand> CommandAsync(string sql, object[] parameters, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        cmd.Parameters.AddWithValue(Tenant);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return cmd;
    }
}
