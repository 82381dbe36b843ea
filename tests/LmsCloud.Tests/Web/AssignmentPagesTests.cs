using System.Globalization;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The teacher's assignment pages in Chromium over an imported northwind-1.1-bulk (Algebra I P1: teacher nw-t-001,
/// students nw-s-001 Ethan Walker and nw-s-002; nw-s-009 takes another class), in a district on Chicago time: groups and
/// an assignment made through the forms (bad input shown at its field), a student's extension that the student then
/// sees as their own due date on the to-do; module items that open their assignment or quiz (a teacher links one in the
/// item settings); a student downloading their own handed-in file while a classmate is refused. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class AssignmentPagesTests(BrowserFixture web)
{
    static readonly TimeZoneInfo Chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");

    sealed record Course(ShellTestDistrict D, Guid Shell, ShellViewer Teacher, Guid Student, Guid Classmate)
    {
        public string Slug => D.District.Slug;
    }

    Task<T> RunAsync<T>(ShellTestDistrict d, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(web.Api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active), work);

    /// <summary>Algebra I P1, published, in a district whose profile says America/Chicago.</summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        await d.ExecAsync("update district_profiles set time_zone = 'America/Chicago'");
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = new ShellViewer(await d.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
        await RunAsync(d, s => s.GetRequiredService<ShellEditing>().SetStatusAsync(teacher, shell, ShellStatus.Published, default));
        return new Course(d, shell, teacher, await d.IdAsync("users", "nw-s-001"), await d.IdAsync("users", "nw-s-002"));
    }

    /// <summary>A published assignment of 10 points in a new group "Homework" (or the one given).</summary>
    Task<Guid> AssignmentAsync(Course c, string title, bool published = true) => RunAsync(c.D, async s =>
    {
        var editing = s.GetRequiredService<AssignmentEditing>();
        var groups = await s.GetRequiredService<AssignmentReading>().GroupsAsync(c.Teacher, c.Shell, default);
        var group = groups.FirstOrDefault() ?? await editing.CreateGroupAsync(c.Teacher, c.Shell, new AssignmentGroupInput("Homework", 100, 0, 0, null), default);
        var a = await editing.CreateAsync(c.Teacher, c.Shell, new AssignmentInput(GroupId: group.Id, Title: title, PointsPossible: 10,
            DueAt: DateTimeOffset.UtcNow.AddDays(5)), default);
        if (published) await editing.PublishAsync(c.Teacher, a.Id, true, default);
        return a.Id;
    });

    /// <summary>A day from now at 23:59 on the district's clock, as the form field takes it and as the instant it means.</summary>
    static (string Field, DateTimeOffset Instant) LocalEvening(int days)
    {
        var day = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Chicago).Date.AddDays(days).AddHours(23).AddMinutes(59);
        return (day.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture), new DateTimeOffset(day, Chicago.GetUtcOffset(day)));
    }

    static Task<int> StatusAsync(IPage page, string url) => page.EvaluateAsync<int>("async u => (await fetch(u)).status", url);

    [Fact]
    public async Task A_teacher_makes_groups_and_an_assignment_with_a_students_extension_and_the_student_sees_their_own_due_date()
    {
        var c = await CourseAsync();
        var page = await web.SignedInAsync(c.D.District, "nw-t-001", 1280);
        await page.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Assignments", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Assignments", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Add a group first")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // A weight that is no number: the message at the field, the name kept, nothing made.
        var add = page.Locator("form[aria-labelledby=add-group-heading]");
        await add.GetByLabel("Name", new() { Exact = true }).FillAsync("Homework");
        await add.GetByLabel("Weight (%)").FillAsync("lots");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add the group" }).ClickAsync();
        await Expect(page.Locator("#new-group-weight-error")).ToContainTextAsync("A weight is a number from 0 to 999.9999");
        await Expect(page.Locator("#new-group-weight")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(add.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Homework");
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from assignment_groups where shell_id = $1", c.Shell));
        await BrowserFixture.AssertAccessibleAsync(page);

        await add.GetByLabel("Weight (%)").FillAsync("40");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add the group" }).ClickAsync();
        await Expect(page.Locator("#assignments-message")).ToHaveTextAsync("The group is added.");
        add = page.Locator("form[aria-labelledby=add-group-heading]");
        await add.GetByLabel("Name", new() { Exact = true }).FillAsync("Tests");
        await add.GetByLabel("Weight (%)").FillAsync("60");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add the group" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Move up group Tests" }).ClickAsync();
        await Expect(page.Locator(".group-settings h3")).ToContainTextAsync(["Tests", "Homework"]);
        await page.GetByLabel("Drop lowest of Homework").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save group Homework" }).ClickAsync();
        await Expect(page.Locator("#assignments-message")).ToHaveTextAsync("The group is saved.");
        Assert.Equal(1, await c.D.ScalarAsync<int>("select drop_lowest from assignment_groups where shell_id = $1 and name = 'Homework'", c.Shell));
        Assert.Equal(1, await c.D.ScalarAsync<int>("select position from assignment_groups where shell_id = $1 and name = 'Tests'", c.Shell));

        // The new assignment: points that are no number, then a lock date before the due date, each refused at its field.
        await page.GetByRole(AriaRole.Link, new() { Name = "New assignment" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New assignment" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Dates (America/Chicago time; empty: none)")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        var (due, dueAt) = LocalEvening(7);
        var (extended, extendedAt) = LocalEvening(14);
        await page.GetByLabel("Title").FillAsync("Essay 1");
        await page.GetByLabel("Group").SelectOptionAsync(new SelectOptionValue { Label = "Homework" });
        await page.GetByLabel("Points possible").FillAsync("twenty");
        await page.GetByLabel("Due", new() { Exact = true }).FillAsync(due);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the assignment" }).ClickAsync();
        await Expect(page.Locator("#a-pointsPossible-error")).ToContainTextAsync("Points possible is a number");
        await Expect(page.GetByLabel("Title")).ToHaveValueAsync("Essay 1");
        await page.GetByLabel("Points possible").FillAsync("20");
        await page.GetByLabel("Closes (lock)").FillAsync(LocalEvening(6).Field);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the assignment" }).ClickAsync();
        await Expect(page.Locator("#a-lockAt-error")).ToHaveTextAsync("The lock date must be on or after the due date.");
        await BrowserFixture.AssertAccessibleAsync(page);
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from assignments where shell_id = $1", c.Shell));

        await page.GetByLabel("Closes (lock)").FillAsync("");
        await page.GetByLabel("Allowed attempts (empty: unlimited)").FillAsync("2");
        await page.GetByLabel("Post grades by hand").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the assignment" }).ClickAsync();
        await Expect(page.Locator("#assignment-message")).ToContainTextAsync("The assignment is created.");
        var id = await c.D.ScalarAsync<Guid>("select id from assignments where shell_id = $1", c.Shell);
        Assert.Equal(dueAt.UtcDateTime, await c.D.ScalarAsync<DateTime>("select due_at from assignments where id = $1", id));
        Assert.Equal(20m, await c.D.ScalarAsync<decimal>("select points_possible from assignments where id = $1", id));
        Assert.True(await c.D.ScalarAsync<bool>("select post_manually and passback and not published and allowed_attempts = 2 from assignments where id = $1", id));
        // The form shows the stored date back on the district's clock.
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Assignment settings" }).GetByLabel("Due", new() { Exact = true })).ToHaveValueAsync(due);

        await page.GetByRole(AriaRole.Button, new() { Name = "Publish" }).ClickAsync();
        await Expect(page.Locator("#assignment-published")).ToHaveTextAsync("Published: students see it.");

        // Ethan's extension (an IEP): his own dates, a week later; the due-date table says where each student's comes from.
        var student = page.Locator("form[aria-labelledby=student-override-heading]");
        await student.GetByLabel("Student", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Ethan Walker" });
        await student.GetByLabel("Due", new() { Exact = true }).FillAsync(extended);
        await student.GetByLabel("Closes (lock)").FillAsync(LocalEvening(13).Field);
        await student.GetByRole(AriaRole.Button, new() { Name = "Save the student's dates" }).ClickAsync();
        await Expect(page.Locator("#student-lockAt-error")).ToHaveTextAsync("The lock date must be on or after the due date.");
        await student.GetByLabel("Closes (lock)").FillAsync("");
        await student.GetByLabel("Reason (optional)").FillAsync("IEP extension");
        await student.GetByRole(AriaRole.Button, new() { Name = "Save the student's dates" }).ClickAsync();
        await Expect(page.Locator("#assignment-message")).ToContainTextAsync("The dates are saved");
        await Expect(page.Locator("#overrides tbody tr")).ToContainTextAsync(["Ethan Walker (student)"]);
        await Expect(page.Locator("#overrides tbody tr")).ToContainTextAsync(["IEP extension"]);
        await Expect(page.Locator("#due-dates tbody tr").Filter(new() { HasText = "Ethan Walker" })).ToContainTextAsync("their own dates");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "teacher-assignment");
        Assert.Equal(dueAt.UtcDateTime, await c.D.ScalarAsync<DateTime>(
            "select due_at from effective_due_dates where assignment_id = $1 and student_id = $2", id, c.Classmate));

        // A section's later date: the class follows it, Ethan's own dates still win; removed, the class is back on the assignment's.
        var section = page.Locator("form[aria-labelledby=section-override-heading]");
        await section.GetByLabel("Section", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await section.GetByLabel("Due", new() { Exact = true }).FillAsync(LocalEvening(10).Field);
        await section.GetByRole(AriaRole.Button, new() { Name = "Save the section's dates" }).ClickAsync();
        await Expect(page.Locator("#overrides tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#due-dates tbody tr").Filter(new() { HasText = "Ethan Walker" })).ToContainTextAsync("their own dates");
        Assert.Equal("section", await c.D.ScalarAsync<string>("select source from effective_due_dates where assignment_id = $1 and student_id = $2", id, c.Classmate));
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove the override for Algebra" }).ClickAsync();
        await Expect(page.Locator("#assignment-message")).ToHaveTextAsync("The override is removed.");
        Assert.Equal("assignment", await c.D.ScalarAsync<string>("select source from effective_due_dates where assignment_id = $1 and student_id = $2", id, c.Classmate));

        await page.GetByRole(AriaRole.Link, new() { Name = "What a student sees" }).ClickAsync();
        await page.Locator("#assignment-teacher-links").GetByRole(AriaRole.Link, new() { Name = "Edit the assignment" }).ClickAsync();
        await Expect(page.Locator("#overrides tbody tr")).ToHaveCountAsync(1);

        // The list shows it by group with points, type, due date and state.
        await page.GetByRole(AriaRole.Link, new() { Name = "Assignments", Exact = true }).ClickAsync();
        var row = page.Locator($"#assignment-{id:N}");
        await Expect(row).ToContainTextAsync("Essay 1");
        await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("20");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("Points");
        await Expect(row.Locator("time")).ToHaveAttributeAsync("datetime", dueAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        await Expect(row.Locator(".assignment-published")).ToContainTextAsync("Published");

        // Ethan's to-do shows his own due date, not the class's.
        var ethan = await web.SignedInAsync(c.D.District, "nw-s-001", 360);
        await ethan.GotoAsync(web.Url(c.Slug, "/todo"));
        var todo = ethan.Locator("#todo-open tbody tr").Filter(new() { HasText = "Essay 1" });
        await Expect(todo.Locator("time")).ToHaveAttributeAsync("datetime", extendedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        await BrowserFixture.AssertAccessibleAsync(ethan);

        // A student of the course: the 403 page for the teacher's pages, and a forged publish changes nothing.
        foreach (var path in new[] { "", "/new", $"/{id}/edit" })
            Assert.Equal(403, (await ethan.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/assignments{path}")))!.Status);
        await BrowserFixture.AssertAccessibleAsync(ethan);
        Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(ethan, $"/courses/{c.Shell}/assignments/{id}/edit?handler=publish", "published=false"));
        Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(ethan, $"/courses/{c.Shell}/assignments/{id}/edit?handler=studentOverride",
            $"studentId={c.Student}&dueAt={extended}"));
        Assert.True(await c.D.ScalarAsync<bool>("select published from assignments where id = $1", id));
        // A student of another class and another district's teacher with these ids: 404.
        var outsider = await web.SignedInAsync(c.D.District, "nw-s-009");
        Assert.Equal(404, (await outsider.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/assignments/{id}/edit")))!.Status);
        var elsewhere = await ShellTestDistrict.CreateAsync(web.Api);
        var stranger = await web.SignedInAsync(elsewhere.District, "nw-t-001");
        foreach (var path in new[] { "", "/new", $"/{id}/edit" })
            Assert.Equal(404, (await stranger.GotoAsync(web.Url(elsewhere.District.Slug, $"/courses/{c.Shell}/assignments{path}")))!.Status);
    }

    [Fact]
    public async Task Module_items_open_their_assignment_or_quiz_for_a_student_and_their_review_or_builder_for_the_teacher()
    {
        var c = await CourseAsync();
        var hw1 = await AssignmentAsync(c, "HW1");
        var quiz = await AssignmentAsync(c, "Quiz 1");
        var (hwItem, quizItem) = await RunAsync(c.D, async s =>
        {
            await s.GetRequiredService<QuizService>().SaveAsync(c.Teacher, quiz, new QuizInput(null, "highest", false, false,
                [new QuizQuestion(Guid.NewGuid(), QuestionKind.TrueFalse, "0 is even.", 1, [], CorrectBoolean: true)]), default);
            var editing = s.GetRequiredService<ShellEditing>();
            var module = await editing.CreateModuleAsync(c.Teacher, c.Shell, new ModuleInput("Week 1", null, null, null, null), default);
            async Task<Guid> ItemAsync(string kind, string title)
            {
                var item = await editing.CreateItemAsync(c.Teacher, c.Shell, module.Id, new ItemInput(kind, title, null, null, null, null), null, default);
                await editing.PublishAsync(c.Teacher, c.Shell, item.Id, true, null, default);
                return item.Id;
            }
            var items = (await ItemAsync(ContentKind.Assignment, "Hand in HW1"), await ItemAsync(ContentKind.Quiz, "Take Quiz 1"));
            await s.GetRequiredService<AssignmentEditing>().UpdateAsync(c.Teacher, quiz, new AssignmentInput(ModuleItemId: items.Item2), default);
            return items;
        });

        // The teacher: an unlinked item says where to link it; the item settings pick HW1.
        var teacher = await web.SignedInAsync(c.D.District, "nw-t-001", 1280);
        await teacher.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{hwItem}"));
        await Expect(teacher.Locator("#item-work")).ToContainTextAsync("No assignment is linked to this item yet.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.Locator("#item-work").GetByRole(AriaRole.Link, new() { Name = "item settings" }).ClickAsync();
        await teacher.GetByLabel("Opens the assignment").SelectOptionAsync(new SelectOptionValue { Label = "HW1" });
        await BrowserFixture.AssertAccessibleAsync(teacher);
        // A forged choice of an assignment the course does not have: refused before anything is saved.
        var settings = $"/courses/{c.Shell}/items/{hwItem}/settings";
        Assert.Equal(400, await CoursePageSessions.PostWithTokenAsync(teacher, settings, $"title=Renamed&requirement=none&assignmentId={Guid.NewGuid()}"));
        Assert.Equal("Hand in HW1", await c.D.ScalarAsync<string>("select title from content_items ci join module_items mi on mi.content_item_id = ci.id where mi.id = $1", hwItem));
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the item" }).ClickAsync();
        Assert.Equal(hwItem, await c.D.ScalarAsync<Guid>("select module_item_id from assignments where id = $1", hw1));

        await teacher.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{hwItem}"));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Review the submissions of HW1" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Review: HW1", Level = 1 })).ToBeVisibleAsync();
        await teacher.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{quizItem}"));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Build the quiz Quiz 1" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Quiz builder: Quiz 1", Level = 1 })).ToBeVisibleAsync();

        // From the course page: HW2, in no module yet, is added to Week 1 as an item that opens it.
        var hw2 = await AssignmentAsync(c, "HW2");
        await teacher.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}"));
        await teacher.GetByText("Add an assignment or quiz to Week 1").ClickAsync();
        var place = teacher.GetByRole(AriaRole.Form, new() { Name = "Add an assignment or quiz to Week 1" });
        await Expect(place.GetByLabel("Assignment").Locator("option")).ToHaveTextAsync(["HW2"]); // HW1 and Quiz 1 have their items
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await place.GetByRole(AriaRole.Button, new() { Name = "Add the assignment" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("The assignment is placed in the module");
        var hw2Item = await c.D.ScalarAsync<Guid>("select module_item_id from assignments where id = $1", hw2);
        Assert.Equal("assignment HW2 must_submit", await c.D.ScalarAsync<string>(
            "select concat_ws(' ', ci.kind, ci.title, mi.requirement) from module_items mi join content_items ci on ci.id = mi.content_item_id where mi.id = $1",
            hw2Item));
        await teacher.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{hw2Item}"));
        await Expect(teacher.GetByRole(AriaRole.Link, new() { Name = "Review the submissions of HW2" })).ToBeVisibleAsync();

        // The student: each item opens the work itself.
        var student = await web.SignedInAsync(c.D.District, "nw-s-001", 360);
        await student.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{hwItem}"));
        await BrowserFixture.AssertAccessibleAsync(student);
        await student.GetByRole(AriaRole.Link, new() { Name = "Open the assignment HW1" }).ClickAsync();
        await Expect(student).ToHaveURLAsync(web.Url(c.Slug, $"/courses/{c.Shell}/assignments/{hw1}"));
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "HW1", Level = 1 })).ToBeVisibleAsync();
        await student.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{quizItem}"));
        await student.GetByRole(AriaRole.Link, new() { Name = "Open the quiz Quiz 1" }).ClickAsync();
        await Expect(student).ToHaveURLAsync(web.Url(c.Slug, $"/courses/{c.Shell}/quizzes/{quiz}"));

        // Unpublished, the quiz is not open to the student from its item.
        await RunAsync(c.D, s => s.GetRequiredService<AssignmentEditing>().PublishAsync(c.Teacher, quiz, false, default));
        await student.GotoAsync(web.Url(c.Slug, $"/courses/{c.Shell}/items/{quizItem}"));
        await Expect(student.Locator("#item-work")).ToHaveTextAsync("This work is not open yet.");
        await Expect(student.GetByRole(AriaRole.Link, new() { Name = "Open the quiz Quiz 1" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_student_downloads_their_own_handed_in_file_the_teacher_any_and_a_classmate_neither()
    {
        var c = await CourseAsync();
        var hw1 = await AssignmentAsync(c, "HW1");
        var pdf = "%PDF-1.4\n% Ethan's essay\n%%EOF\n"u8.ToArray();
        await RunAsync(c.D, s => s.GetRequiredService<Submitting>().SubmitAsync(new ShellViewer(c.Student, new HashSet<string> { Roles.Student }), hw1,
            new SubmitRequest(AttemptKind.File, null, null), new FileUpload("essay.pdf", new MemoryStream(pdf)), default));
        var here = $"/courses/{c.Shell}/assignments/{hw1}";

        var student = await web.SignedInAsync(c.D.District, "nw-s-001", 360);
        await student.GotoAsync(web.Url(c.Slug, here));
        await BrowserFixture.AssertAccessibleAsync(student);
        var download = await student.RunAndWaitForDownloadAsync(() => student.Locator("#attempt-1-file").ClickAsync());
        Assert.Equal("essay.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync(await download.PathAsync()));

        // A classmate: their own file address finds nothing of Ethan's (404), the teacher's one is refused (403).
        var classmate = await web.SignedInAsync(c.D.District, "nw-s-002");
        await classmate.GotoAsync(web.Url(c.Slug, here));
        Assert.Equal(404, await StatusAsync(classmate, $"{here}?handler=file&attempt=1"));
        Assert.Equal(403, await StatusAsync(classmate, $"{here}/review?handler=file&studentId={c.Student}&attempt=1"));
        // A student of another class: 404 for both.
        var outsider = await web.SignedInAsync(c.D.District, "nw-s-009");
        await outsider.GotoAsync(web.Url(c.Slug, "/todo"));
        Assert.Equal(404, await StatusAsync(outsider, $"{here}?handler=file&attempt=1"));
        Assert.Equal(404, await StatusAsync(outsider, $"{here}/review?handler=file&studentId={c.Student}&attempt=1"));

        // The teacher downloads it from the review page.
        var teacher = await web.SignedInAsync(c.D.District, "nw-t-001", 1280);
        await teacher.GotoAsync(web.Url(c.Slug, $"{here}/review?studentId={c.Student}"));
        var theirs = await teacher.RunAndWaitForDownloadAsync(() => teacher.GetByRole(AriaRole.Link, new() { Name = "essay.pdf" }).ClickAsync());
        Assert.Equal(pdf, await File.ReadAllBytesAsync(await theirs.PathAsync()));
    }
}
