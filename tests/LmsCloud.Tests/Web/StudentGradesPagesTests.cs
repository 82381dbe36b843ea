using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
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
/// The student's and guardian's work and grade pages in Chromium: the to-do marks an overdue item missing; the assignment
/// page hands in text once however often the same form is sent (double click, resend, two at once), refuses a bad file
/// and a closed assignment in words; the grades page shows the engine's stored numbers (those of GET …/grade) and its
/// explanation (a dropped item, a late deduction, rescaled weights), never an unposted grade; a guardian sees their
/// child's grades and not another family's. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class StudentGradesPagesTests(BrowserFixture web)
{
    sealed record Course(ShellTestDistrict D, Guid Shell, Guid Student, Dictionary<string, Guid> Assignments);

    static District Scope(ShellTestDistrict d) => new(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active);

    /// <summary>
    /// Algebra I P1 (nw-t-001 teaches, nw-s-001 takes it), published; percent weighting with weights 30 + 50 (rescaled to
    /// 100), late policy 10 % a day, missing policy 100 % with the 50 % floor. Homework (drop lowest 1): HW1 4/10, HW2 9/10,
    /// "Late homework" handed in by nw-s-001 2 days 23 hours after its due date and scored 10/10 (3 days late: −3 points);
    /// "Closed write-up" closed yesterday (omitted from the final grade). Tests: "Overdue essay" due yesterday, not handed
    /// in (missing); "Unit test" scored 95 but posted manually and not posted; "Essay draft" due in a week, 4 attempts.
    /// </summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = new ShellViewer(await d.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
        var studentId = await d.IdAsync("users", "nw-s-001");
        var student = new ShellViewer(studentId, new HashSet<string> { Roles.Student });
        var now = DateTimeOffset.UtcNow;
        var ids = new Dictionary<string, Guid>();
        await DistrictScope.RunAsync(web.Api.Services, Scope(d), async scope =>
        {
            var editing = scope.GetRequiredService<AssignmentEditing>();
            await scope.GetRequiredService<ShellEditing>().SetStatusAsync(teacher, shell, ShellStatus.Published, default);
            await scope.GetRequiredService<GradingPolicies>().PutAsync(teacher, shell,
                new GradingPolicyInput("percent", new LatePolicyInput(10, "day", 0), new MissingPolicyInput(100, 50), null), null, default);
            var homework = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Homework", 30, 1, 0, null), default);
            var tests = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Tests", 50, 0, 0, null), default);
            var specs = new (string Title, Guid Group, decimal Points, AssignmentInput Input)[]
            {
                ("HW1", homework.Id, 10, new(DueAt: now.AddDays(-10))),
                ("HW2", homework.Id, 10, new(DueAt: now.AddDays(-5))),
                ("Late homework", homework.Id, 10, new(DueAt: now.AddDays(-3).AddHours(1))),
                ("Closed write-up", homework.Id, 10, new(DueAt: now.AddDays(-3), LockAt: now.AddDays(-1), OmitFromFinal: true)),
                ("Overdue essay", tests.Id, 20, new(DueAt: now.AddDays(-1))),
                ("Unit test", tests.Id, 100, new(DueAt: now.AddDays(2), PostManually: true)),
                ("Essay draft", tests.Id, 50, new(DueAt: now.AddDays(7), AllowedAttempts: 4, Instructions: "Write **one page** on fractions.")),
            };
            foreach (var (title, group, points, input) in specs)
            {
                var made = await editing.CreateAsync(teacher, shell, input with { GroupId = group, Title = title, PointsPossible = points }, default);
                await editing.PublishAsync(teacher, made.Id, true, default);
                ids[title] = made.Id;
            }
            var late = await scope.GetRequiredService<Submitting>().SubmitAsync(student, ids["Late homework"], new SubmitRequest("text", "Sorry, late.", null), null, default);
            var grading = scope.GetRequiredService<Grading>();
            await grading.GradeAsync(teacher, ids["Late homework"], studentId, new GradeRequest(10), late.ETag, GradeChannel.Web, default);
            await grading.GradeAsync(teacher, ids["HW1"], studentId, new GradeRequest(4), null, GradeChannel.Web, default);
            await grading.GradeAsync(teacher, ids["HW2"], studentId, new GradeRequest(9), null, GradeChannel.Web, default);
            await grading.GradeAsync(teacher, ids["Unit test"], studentId, new GradeRequest(95), null, GradeChannel.Web, default);
            return 0;
        });
        return new Course(d, shell, studentId, ids);
    }

    [Fact]
    public async Task A_student_sees_their_work_hands_in_once_and_reads_why_their_grade_is_what_it_is()
    {
        var c = await CourseAsync();
        var page = await web.SignedInAsync(c.D.District, "nw-s-001");

        // To-do: by due date, the overdue essay marked missing in words, the late homework handed in late.
        await page.GotoAsync(web.Url(c.D.District.Slug, "/"));
        await page.GetByRole(AriaRole.Link, new() { Name = "My to-do" }).ClickAsync();
        var open = page.Locator("#todo-open tbody tr");
        await Expect(open.Locator("th")).ToHaveTextAsync(["Closed write-up", "Overdue essay", "Unit test", "Essay draft"]);
        await Expect(open.Filter(new() { HasText = "Overdue essay" }).Locator(".todo-state")).ToHaveTextAsync("Missing: past due, not handed in");
        await Expect(open.Filter(new() { HasText = "Closed write-up" }).Locator(".todo-state")).ToHaveTextAsync("Missing: past due, not handed in");
        await Expect(page.Locator("#todo-done tbody tr").Filter(new() { HasText = "Late homework" }).Locator(".todo-state")).ToHaveTextAsync("Graded · handed in late");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "student-todo");

        // The assignment page: instructions as HTML, dates, attempts; hand in text.
        await page.GetByRole(AriaRole.Link, new() { Name = "Essay draft" }).ClickAsync();
        await Expect(page.Locator("#instructions strong")).ToHaveTextAsync("one page");
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync("0 of 4 used");
        var form = await FormFieldsAsync(page);
        await page.GetByLabel("Your text (for a text hand-in)").FillAsync("My first draft.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand in" }).ClickAsync();
        await Expect(page.Locator("#assignment-message")).ToContainTextAsync("Handed in.");
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync("1 of 4 used");
        await Expect(page.Locator("#attempts .attempt-body")).ToHaveTextAsync(["My first draft."]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "student-assignment");

        // The same form sent again (the browser resending it): the first response, no second attempt.
        var here = $"/courses/{c.Shell}/assignments/{c.Assignments["Essay draft"]}";
        Assert.Matches("^200 .*done=already", await PostFormAsync(page, here, form, "My first draft."));
        // The same form with other text: refused (409), nothing handed in.
        Assert.Matches("^409 ", await PostFormAsync(page, here, form, "Something else."));
        await page.ReloadAsync();
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync("1 of 4 used");

        // A file the district does not take: refused next to the field, nothing handed in.
        await page.GetByLabel("A file", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("File (for a file", new() { Exact = false }).SetInputFilesAsync(new FilePayload
        {
            Name = "essay.html", MimeType = "text/html", Buffer = "<html><script>alert(1)</script></html>"u8.ToArray(),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand in" }).ClickAsync();
        await Expect(page.Locator("#submit-file-error")).ToContainTextAsync("This kind of file is not allowed");
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync("1 of 4 used");
        await BrowserFixture.AssertAccessibleAsync(page);

        // A double click on a fresh form: one attempt.
        await page.GotoAsync(web.Url(c.D.District.Slug, here));
        await page.GetByLabel("Your text (for a text hand-in)").FillAsync("Second draft.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand in" }).DblClickAsync();
        await page.WaitForURLAsync(new Regex("done="));
        await AttemptsUsedAsync(page, web.Url(c.D.District.Slug, here), "2 of 4 used");

        // Two copies of one form at the same moment: one attempt.
        var fresh = await FormFieldsAsync(page);
        var both = await page.EvaluateAsync<string[]>("""
            async ([url, token, antiforgery, text]) => {
                const send = () => { const f = new FormData(); f.append('token', token); f.append('__RequestVerificationToken', antiforgery);
                                     f.append('kind', 'text'); f.append('body', text);
                                     return fetch(url + '?handler=submit', { method: 'POST', body: f }).then(r => r.url); };
                return Promise.all([send(), send()]);
            }
            """, new[] { here, fresh.Token, fresh.Antiforgery, "Third draft." });
        Assert.Contains(both, u => u.Contains("done=submitted"));
        await AttemptsUsedAsync(page, web.Url(c.D.District.Slug, here), "3 of 4 used");
        await Expect(page.Locator("#attempts .attempt-body")).ToHaveTextAsync(["Third draft.", "Second draft.", "My first draft."]);

        // The last attempt: then the form gives way to the reason in words.
        await page.GetByLabel("Your text (for a text hand-in)").FillAsync("Final draft.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Hand in" }).ClickAsync();
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync("4 of 4 used");
        await Expect(page.Locator("#hand-in-closed")).ToHaveTextAsync("You have used all 4 attempts of this assignment.");
        await Expect(page.Locator("#hand-in-form")).ToHaveCountAsync(0);

        // A closed assignment: no form, a reason in words; a forged hand-in is refused with the same page (409).
        var closed = $"/courses/{c.Shell}/assignments/{c.Assignments["Closed write-up"]}";
        await page.GotoAsync(web.Url(c.D.District.Slug, closed));
        await Expect(page.Locator("#hand-in-closed")).ToContainTextAsync("This assignment closed for hand-ins on");
        await Expect(page.Locator("#hand-in-form")).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(page);
        Assert.Equal(409, await CoursePageSessions.PostWithTokenAsync(page, closed + "?handler=submit", $"token={Guid.NewGuid():N}&kind=text&body=late"));

        // Grades: the numbers of GET …/grade (the engine's stored result), and why.
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}"));
        await page.GetByRole(AriaRole.Link, new() { Name = "My grades" }).ClickAsync();
        var api = JsonDocument.Parse(await page.EvaluateAsync<string>($"fetch('/api/shells/{c.Shell}/students/{c.Student}/grade').then(r => r.text())")).RootElement;
        await AssertShowsGradeAsync(page, api);
        var why = page.Locator("#why");
        await Expect(why.Locator("h2")).ToHaveTextAsync($"Why is my grade {Percent(api.GetProperty("current"))} ({api.GetProperty("currentLetter").GetString()})?");
        var hw1 = Item(page, c, "HW1");
        await Expect(hw1.Locator(".why-outcome")).ToHaveTextAsync("Dropped");
        await Expect(hw1.Locator(".why-notes")).ToContainTextAsync("drop lowest 1");
        await Expect(Item(page, c, "Late homework").Locator(".why-late")).ToContainTextAsync("Late by 3 days: −3 points (−30 %)");
        await Expect(Item(page, c, "Late homework")).ToContainTextAsync("counts as 7");
        await Expect(Item(page, c, "Overdue essay").Locator(".why-missing")).ToContainTextAsync("Missing: −10 points (−50 %)");
        await Expect(page.Locator("#why-weights")).ToContainTextAsync("rescaled to 100: Homework 37.5%, Tests 62.5%");
        await Expect(page.Locator("#grade-groups tr[data-group] .group-weight-applied")).ToHaveTextAsync(["37.50 %", "62.50 %"]);
        // The unposted Unit test shows no score anywhere.
        await Expect(Item(page, c, "Unit test")).ToContainTextAsync("Not posted yet");
        await Expect(page.Locator("main")).Not.ToContainTextAsync("95");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "student-grades");

        // Once the teacher posts it, it appears (and the grades still equal the API's).
        await DistrictScope.RunAsync(web.Api.Services, Scope(c.D), async scope =>
        {
            var teacher = new ShellViewer(await c.D.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
            return await scope.GetRequiredService<Grading>().PostAsync(teacher, c.Assignments["Unit test"], new PostingRequest(true), GradeChannel.Web, default);
        });
        await page.ReloadAsync();
        await Expect(Item(page, c, "Unit test")).ToContainTextAsync("scored 95 of 100");
        await AssertShowsGradeAsync(page, JsonDocument.Parse(await page.EvaluateAsync<string>(
            $"fetch('/api/shells/{c.Shell}/students/{c.Student}/grade').then(r => r.text())")).RootElement);

        // The assignment page shows the posted grade with its deduction as the engine explained it.
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/assignments/{c.Assignments["Late homework"]}"));
        await Expect(page.Locator("#grade-score")).ToContainTextAsync("10 of 10 points · counts as 7");
        await Expect(page.Locator("#my-grade .why-late")).ToHaveTextAsync("Late by 3 days: −3 points (−30 %)");

        // A course nw-s-001 does not take, and a guardian's page: refused with the friendly pages.
        var notTheirs = await c.D.ShellOfAsync("nw-cls-math7-p1");
        Assert.Equal(404, (await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{notTheirs}/grades")))!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        Assert.Equal(403, (await page.GotoAsync(web.Url(c.D.District.Slug, $"/children/{c.Student}/courses/{c.Shell}/grades")))!.Status);

        // The course's teacher reads the assignment (instructions, dates) but gets no hand-in form, and has no "My grades".
        var teacher = await web.SignedInAsync(c.D.District, "nw-t-001");
        await teacher.GotoAsync(web.Url(c.D.District.Slug, here));
        await Expect(teacher.Locator("#instructions strong")).ToHaveTextAsync("one page");
        await Expect(teacher.Locator("#hand-in-form")).ToHaveCountAsync(0);
        Assert.Equal(403, (await teacher.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/grades")))!.Status);
    }

    [Fact]
    public async Task A_guardian_sees_their_childs_grades_and_never_another_familys()
    {
        var c = await CourseAsync();
        var student = await web.SignedInAsync(c.D.District, "nw-s-001");
        await student.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/grades"));
        var api = JsonDocument.Parse(await student.EvaluateAsync<string>($"fetch('/api/shells/{c.Shell}/students/{c.Student}/grade').then(r => r.text())")).RootElement;

        var guardian = await web.SignedInAsync(c.D.District, "nw-g-001", width: 360);
        await guardian.GotoAsync(web.Url(c.D.District.Slug, "/children"));
        var card = guardian.Locator("section.card", new() { Has = guardian.Locator($"h2[id='child-{c.Student}']") });
        await card.Locator("li", new() { Has = guardian.GetByRole(AriaRole.Link, new() { Name = "Algebra I - P1", Exact = true }) })
            .GetByRole(AriaRole.Link, new() { Name = "Grades", Exact = true }).ClickAsync();
        await Expect(guardian.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Grades of");
        await AssertShowsGradeAsync(guardian, api);
        await Expect(guardian.Locator("#why h2")).ToContainTextAsync("'s grade");
        await Expect(Item(guardian, c, "HW1").Locator(".why-outcome")).ToHaveTextAsync("Dropped");
        await Expect(Item(guardian, c, "Unit test")).ToContainTextAsync("Not posted yet");
        await Expect(guardian.Locator("main")).Not.ToContainTextAsync("95");
        await BrowserFixture.AssertAccessibleAsync(guardian);
        await CoursePageSessions.AssertFitsAsync(guardian);

        // Another family's child in the same course, and a child who does not exist: the not-found page.
        var otherChild = await c.D.IdAsync("users", "nw-s-004");
        Assert.Equal(404, (await guardian.GotoAsync(web.Url(c.D.District.Slug, $"/children/{otherChild}/courses/{c.Shell}/grades")))!.Status);
        await Expect(guardian.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        Assert.Equal(404, (await guardian.GotoAsync(web.Url(c.D.District.Slug, $"/children/{Guid.NewGuid()}/courses/{c.Shell}/grades")))!.Status);
        // The other family's guardian cannot read nw-s-001's grades; a guardian is not the student at the student's page.
        var other = await web.SignedInAsync(c.D.District, "nw-g-003");
        Assert.Equal(404, (await other.GotoAsync(web.Url(c.D.District.Slug, $"/children/{c.Student}/courses/{c.Shell}/grades")))!.Status);
        Assert.Equal(403, (await guardian.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/grades")))!.Status);
        // Another district's guardian and student with the same sourced ids see nothing of this district.
        var e = await ShellTestDistrict.CreateAsync(web.Api);
        var elsewhere = await web.SignedInAsync(e.District, "nw-g-001");
        Assert.Equal(404, (await elsewhere.GotoAsync(web.Url(e.District.Slug, $"/children/{c.Student}/courses/{c.Shell}/grades")))!.Status);
        var elsewhereStudent = await web.SignedInAsync(e.District, "nw-s-001");
        Assert.Equal(404, (await elsewhereStudent.GotoAsync(web.Url(e.District.Slug, $"/courses/{c.Shell}/grades")))!.Status);
        Assert.Equal(404, (await elsewhereStudent.GotoAsync(web.Url(e.District.Slug, $"/courses/{c.Shell}/assignments/{c.Assignments["Essay draft"]}")))!.Status);
    }

    static ILocator Item(IPage page, Course c, string title) => page.Locator($"li.why-item[data-assignment='{c.Assignments[title]}']");

    static string Percent(JsonElement value) => value.ValueKind == JsonValueKind.Null ? "—" : value.GetDecimal().ToString("0.00", CultureInfo.InvariantCulture) + " %";

    /// <summary>The page's course grade and group numbers are exactly the API's (the engine's stored result, student's view).</summary>
    static async Task AssertShowsGradeAsync(IPage page, JsonElement api)
    {
        Assert.NotEqual(JsonValueKind.Null, api.GetProperty("current").ValueKind);
        await Expect(page.Locator("#grade-current")).ToHaveTextAsync(Percent(api.GetProperty("current")));
        await Expect(page.Locator("#grade-final")).ToHaveTextAsync(Percent(api.GetProperty("final")));
        await Expect(page.Locator("#grade-current-letter")).ToHaveTextAsync(api.GetProperty("currentLetter").GetString()!);
        await Expect(page.Locator("#grade-final-letter")).ToHaveTextAsync(api.GetProperty("finalLetter").GetString()!);
        foreach (var group in api.GetProperty("groups").EnumerateArray())
        {
            var row = page.Locator($"#grade-groups tr[data-group='{group.GetProperty("id").GetString()}']");
            await Expect(row.Locator(".group-current")).ToHaveTextAsync(Percent(group.GetProperty("current")));
            await Expect(row.Locator(".group-final")).ToHaveTextAsync(Percent(group.GetProperty("final")));
        }
    }

    /// <summary>
    /// Reloads the assignment page until it shows <paramref name="expected"/> attempts used (a second copy of a form can
    /// answer "still being saved" while the first commits), then asserts it: never more than expected.
    /// </summary>
    static async Task AttemptsUsedAsync(IPage page, string url, string expected)
    {
        for (var i = 0; i < 20; i++)
        {
            await page.GotoAsync(url);
            if (await page.Locator("#attempts-used").TextContentAsync() == expected) break;
            await Task.Delay(250);
        }
        await Expect(page.Locator("#attempts-used")).ToHaveTextAsync(expected);
    }

    sealed record FormFields(string Token, string Antiforgery);

    static async Task<FormFields> FormFieldsAsync(IPage page) => new(
        await page.Locator("#hand-in-form input[name=token]").InputValueAsync(),
        await page.Locator("#hand-in-form input[name=__RequestVerificationToken]").InputValueAsync());

    /// <summary>The hand-in form sent again as the browser would (same one-time token, same antiforgery token); "status url" it ends at.</summary>
    static Task<string> PostFormAsync(IPage page, string url, FormFields form, string text) => page.EvaluateAsync<string>("""
        async ([url, token, antiforgery, text]) => {
            const f = new FormData(); f.append('token', token); f.append('__RequestVerificationToken', antiforgery);
            f.append('kind', 'text'); f.append('body', text);
            const r = await fetch(url + '?handler=submit', { method: 'POST', body: f });
            return r.status + ' ' + r.url;
        }
        """, new[] { url, form.Token, form.Antiforgery, text });
}
