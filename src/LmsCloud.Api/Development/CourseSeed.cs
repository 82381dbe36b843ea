using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Development;

/// <summary>
/// Development only: the demo teacher's course shells get real-looking content, built through the same services the
/// API uses (so the rules hold): the shell of a class the demo student takes (their guardian sees it too) and one more
/// of the teacher's. Each gets modules with lessons, a link and a quiz placeholder, published. Runs once per shell:
/// a shell that already has modules is left alone. The demo student's course then gets assignments and grades
/// (<see cref="GradesSeed"/>).
/// </summary>
public static class CourseSeed
{
    public static Task RunAsync(IServiceProvider services, District district, ILogger logger, CancellationToken ct) =>
        DistrictScope.RunAsync(services, district, async scope =>
        {
            var db = scope.GetRequiredService<LmsDbContext>();
            var teacher = await db.Users.Where(u => u.Email == $"teacher@{district.Slug}.test").Select(u => (Guid?)u.Id).SingleOrDefaultAsync(ct);
            var student = await db.Users.Where(u => u.Email == $"student@{district.Slug}.test").Select(u => (Guid?)u.Id).SingleOrDefaultAsync(ct);
            if (teacher == null) return 0;
            var taught = db.Enrollments.Where(e => e.UserId == teacher && e.Role == RosterRoles.Teacher && e.Status == "active").Select(e => e.ClassId);
            var shells = await (
                from l in db.Set<CourseShellClass>()
                where taught.Contains(l.ClassId)
                orderby db.Enrollments.Any(e => e.ClassId == l.ClassId && e.UserId == student && e.Role == RosterRoles.Student) descending, l.ClassId
                select l.ShellId).Distinct().Take(2).ToListAsync(ct);
            var viewer = new ShellViewer(teacher, new HashSet<string> { Roles.Teacher });
            var editing = scope.GetRequiredService<ShellEditing>();
            var seeded = 0;
            foreach (var shell in shells)
            {
                if (await db.Set<Module>().AnyAsync(m => m.ShellId == shell, ct)) continue;
                var title = await db.Set<CourseShell>().Where(s => s.Id == shell).Select(s => s.Title).SingleAsync(ct);
                await BuildAsync(editing, viewer, shell, title, ct);
                seeded++;
            }
            if (seeded > 0) logger.LogInformation("Seeded {Count} demo courses in {District}", seeded, district.Slug);
            if (student is { } demoStudent && shells.Count > 0 && await StudentTakesAsync(db, shells[0], demoStudent, ct)
                && await GradesSeed.RunAsync(scope, shells[0], teacher.Value, demoStudent, ct))
                logger.LogInformation("Seeded demo assignments and grades in {District}", district.Slug);
            var studentClasses = db.Enrollments.Where(e => e.UserId == student && e.Role == RosterRoles.Student).Select(e => e.ClassId);
            if (shells.Count > 1) await SeedCatalogAsync(scope, db, editing, taught.Concat(studentClasses), shells[1], district, logger, ct);
            return seeded;
        });

    static Task<bool> StudentTakesAsync(LmsDbContext db, Guid shell, Guid student, CancellationToken ct) =>
        db.Set<CourseShellClass>().AnyAsync(l => l.ShellId == shell
            && db.Enrollments.Any(e => e.ClassId == l.ClassId && e.UserId == student && e.Role == RosterRoles.Student && e.Status == "active"), ct);

    /// <summary>
    /// The catalog: the demo teacher's second course (not one the demo student takes) as an elective for students, and
    /// a course of a class neither demo person is in, built and published by the district, as professional development
    /// for staff. Once per district: a district with any listing is left alone.
    /// </summary>
    static async Task SeedCatalogAsync(IServiceProvider scope, LmsDbContext db, ShellEditing editing, IQueryable<Guid> demoClasses, Guid elective,
        District district, ILogger logger, CancellationToken ct)
    {
        if (await db.Set<CatalogListing>().AnyAsync(ct)) return;
        var operatorViewer = new ShellViewer(null, new HashSet<string> { Roles.DistrictAdmin });
        var catalog = scope.GetRequiredService<CatalogService>();
        await catalog.ListAsync(operatorViewer, elective, new CatalogListingInput(CatalogAudience.Students, ["elective", "stem"], 25, null, null, null), ct);
        var demoShells = db.Set<CourseShellClass>().Where(l => demoClasses.Contains(l.ClassId)).Select(l => l.ShellId);
        var pd = await db.Set<CourseShell>().Where(s => !demoShells.Contains(s.Id) && s.ModuleCount == 0 && s.Status != ShellStatus.Archived)
            .OrderBy(s => s.Title).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
        if (pd is { } pdShell)
        {
            var title = await db.Set<CourseShell>().Where(s => s.Id == pdShell).Select(s => s.Title).SingleAsync(ct);
            await BuildAsync(editing, operatorViewer, pdShell, title, ct);
            await catalog.ListAsync(operatorViewer, pdShell, new CatalogListingInput(CatalogAudience.Staff, ["pd", "teaching"], null, null, null, null), ct);
        }
        logger.LogInformation("Seeded the demo catalog in {District}", district.Slug);
    }

    static async Task BuildAsync(ShellEditing editing, ShellViewer teacher, Guid shell, string title, CancellationToken ct)
    {
        await editing.UpdateShellAsync(teacher, shell, new ShellInput(null,
            $"Welcome to {title}. Work through the modules in order: each ends with a short check for understanding.", null), ct);
        var start = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Getting started", null, false, "all", null), ct);
        await AddAsync(editing, teacher, shell, start.Id, new ItemInput(ContentKind.Lesson, "Welcome and course map", null, $"""
            # Welcome to {title}

            This term we meet every school day. Each **module** holds short lessons, a few links to practise with, and a
            quiz at the end. Mark a lesson done when you have read it; your teacher sees your progress.

            ## What you need
            - a notebook used only for this class
            - a pencil and an eraser
            - your school account, to sign in here

            ## How you are graded
            | Part | Weight |
            |---|---|
            | Homework | 30% |
            | Quizzes | 20% |
            | Unit tests | 50% |
            """, CompletionRequirement.MarkDone, null), ct);
        await AddAsync(editing, teacher, shell, start.Id, new ItemInput(ContentKind.Lesson, "Classroom expectations", null, """
            # Classroom expectations

            1. Arrive on time and ready to work.
            2. Ask when you are stuck: *every* question helps someone else too.
            3. Late work is accepted up to a week late, with a deduction.

            > "The expert in anything was once a beginner."
            """, CompletionRequirement.MustView, null), ct);

        var unit = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Unit 1: Foundations", null, true, "all", [start.Id]), ct);
        await AddAsync(editing, teacher, shell, unit.Id, new ItemInput(ContentKind.Lesson, "Reading a problem carefully", null, """
            # Reading a problem carefully

            Before you start, answer three questions:

            - What do I **know**?
            - What am I **asked** to find?
            - What would a *reasonable* answer look like?

            Try it on the warm-up below, then check with a partner.

            - [ ] Underline what is given
            - [ ] Circle what is asked
            - [ ] Estimate before you calculate
            """, CompletionRequirement.MustView, null), ct);
        await AddAsync(editing, teacher, shell, unit.Id, new ItemInput(ContentKind.Link, "Practice on Khan Academy", "https://www.khanacademy.org/", null,
            null, null), ct);
        await AddAsync(editing, teacher, shell, unit.Id, new ItemInput(ContentKind.Quiz, "Unit 1 check for understanding", null, null,
            CompletionRequirement.MustSubmit, null), ct);

        await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Unit 2: Building on it", DateTimeOffset.UtcNow.AddDays(14), true, "all", [unit.Id]), ct);
        await editing.SetStatusAsync(teacher, shell, ShellStatus.Published, ct);
    }

    static async Task AddAsync(ShellEditing editing, ShellViewer teacher, Guid shell, Guid module, ItemInput input, CancellationToken ct)
    {
        var item = await editing.CreateItemAsync(teacher, shell, module, input, null, ct);
        await editing.PublishAsync(teacher, shell, item.Id, true, null, ct);
    }
}
