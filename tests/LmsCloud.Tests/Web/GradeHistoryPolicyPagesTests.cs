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
/// The grade history page (filters narrow the rows, the CSV holds the same rows), the grading policy page (live weight
/// sum, preview with the right count and names, save changes the letter on the grid; a closed period refuses), the
/// gradebook's filters (class, group, only missing or late, kept in the address), and the boundaries: a student gets
/// the friendly 403, another district's teacher 404. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class GradeHistoryPolicyPagesTests(BrowserFixture web)
{
    /// <summary>
    /// Algebra I P1 published, also serving Algebra I P3 (nw-t-001 teaches both; P3 moved over as a section merge does); "Homework" (weight 60: HW1, HW2 of 10
    /// points) and "Tests" (weight 40: T1 of 100), all due next week.
    /// </summary>
    sealed record Course(ShellTestDistrict D, Guid Shell, Guid Homework, Guid Tests, Guid Hw1, Guid Hw2, Guid T1, Guid Student, Guid Classmate,
        Guid P1, Guid P3, ShellViewer Teacher)
    {
        public string Grade(Guid student) => $"#grade-{student:N}";
    }

    Task<T> RunAsync<T>(ShellTestDistrict d, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(web.Api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active), work);

    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var (p1, p3) = (await d.IdAsync("classes", "nw-cls-alg1-p1"), await d.IdAsync("classes", "nw-cls-alg1-p3"));
        // A class has one course: P3 moves to P1's (as a section merge does).
        await d.ExecAsync("update course_shell_classes set shell_id = $2 where tenant_id = $1 and class_id = $3", d.District.Id, shell, p3);
        var teacher = new ShellViewer(await d.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
        var student = await d.IdAsync("users", "nw-s-001");
        var classmate = await d.ScalarAsync<Guid>("""
            select user_id from enrollments where class_id = $1 and role = 'student' and status = 'active' and user_id <> $2 order by user_id limit 1
            """, p1, student);
        var ids = await RunAsync(d, async s =>
        {
            await s.GetRequiredService<ShellEditing>().SetStatusAsync(teacher, shell, ShellStatus.Published, default);
            var editing = s.GetRequiredService<AssignmentEditing>();
            var homework = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Homework", 60, 0, 0, null), default);
            var tests = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Tests", 40, 0, 0, null), default);
            async Task<Guid> AssignmentAsync(Guid group, string title, decimal points)
            {
                var a = await editing.CreateAsync(teacher, shell, new AssignmentInput(GroupId: group, Title: title, PointsPossible: points,
                    DueAt: DateTimeOffset.UtcNow.AddDays(7), Instructions: "Do it."), default);
                await editing.PublishAsync(teacher, a.Id, true, default);
                return a.Id;
            }
            return (homework.Id, tests.Id, await AssignmentAsync(homework.Id, "HW1", 10), await AssignmentAsync(homework.Id, "HW2", 10),
                await AssignmentAsync(tests.Id, "T1", 100));
        });
        return new Course(d, shell, ids.Item1, ids.Item2, ids.Item3, ids.Item4, ids.Item5, student, classmate, p1, p3, teacher);
    }

    Task GradeAsync(Course c, Guid assignment, Guid student, GradeRequest request) => RunAsync(c.D, async s =>
        await s.GetRequiredService<Grading>().GradeAsync(c.Teacher, assignment, student, request, null, GradeChannel.Api, default));

    async Task<IPage> TeacherAsync(Course c, string path)
    {
        var page = await web.SignedInAsync(c.D.District, "nw-t-001", 1280);
        await page.GotoAsync(web.Url(c.D.District.Slug, path));
        return page;
    }

    [Fact]
    public async Task The_grade_history_filters_narrow_the_rows_and_the_csv_holds_the_same_changes()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8));
        await GradeAsync(c, c.Hw1, c.Classmate, new GradeRequest(Score: 6));
        await GradeAsync(c, c.Hw2, c.Student, new GradeRequest(Score: 9));

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        await page.GetByRole(AriaRole.Link, new() { Name = "Grade history" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Grade history", Level = 1 })).ToBeVisibleAsync();
        var rows = page.Locator("#grade-history tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.First).ToContainTextAsync("HW2"); // newest first
        await Expect(rows.First).ToContainTextAsync("none → 9");
        await BrowserFixture.AssertAccessibleAsync(page);

        var studentName = await c.D.ScalarAsync<string>("select family_name || ', ' || given_name from users where id = $1", c.Student);
        await page.GetByLabel("Student").SelectOptionAsync(new SelectOptionValue { Label = studentName });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show changes" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByLabel("Assignment").SelectOptionAsync(new SelectOptionValue { Label = "HW1" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show changes" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("none → 8");
        Assert.Contains($"studentId={c.Student}", page.Url);

        // The CSV is the same filter: one change, the student's HW1.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download these changes as CSV" }).ClickAsync());
        var csv = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.Equal(string.Join(',', GradeHistoryCsv.Columns), csv[0]);
        Assert.Single(csv.Skip(1));
        Assert.Contains($"{c.Hw1},HW1,{c.Student}", csv[1]);

        // Another class of the course, and a day range after today: nothing.
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook/history"));
        await page.GetByLabel("Class").SelectOptionAsync(c.P3.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show changes" }).ClickAsync();
        await Expect(page.GetByText("No grade changes match.")).ToBeVisibleAsync();
        var tomorrow = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd");
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook/history?from={tomorrow}"));
        await Expect(page.GetByText("No grade changes match.")).ToBeVisibleAsync();
        var yesterday = DateTime.UtcNow.AddDays(-2).ToString("yyyy-MM-dd");
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook/history?from={yesterday}&to={tomorrow}&classId={c.P1}"));
        await Expect(rows).ToHaveCountAsync(3);
        var bad = await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook/history?from={tomorrow}&to={yesterday}"));
        Assert.Equal(400, bad!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The first day must not be after the last day.");
    }

    [Fact]
    public async Task A_district_admin_reads_the_history_and_filters_it_by_grader()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8));
        var admin = await web.Api.CreateUserAsync(c.D.District, Roles.DistrictAdmin);
        var adminViewer = new ShellViewer(admin.Id, new HashSet<string> { Roles.DistrictAdmin });
        await RunAsync(c.D, s => s.GetRequiredService<Grading>().GradeAsync(adminViewer, c.Hw2, c.Classmate, new GradeRequest(Score: 4, Reason: "Regraded"),
            null, GradeChannel.Api, default));
        var page = await web.NewPageAsync(1280);
        await web.SignInAsync(page, admin);
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook/history"));
        var rows = page.Locator("#grade-history tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        var adminName = await c.D.ScalarAsync<string>("select display_name from users where id = $1", admin.Id);
        await page.GetByLabel("Grader").SelectOptionAsync(new SelectOptionValue { Label = adminName });
        await page.GetByRole(AriaRole.Button, new() { Name = "Show changes" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("td")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex(".+"), new("^HW2$"), new("^score$"),
            new("^none → 4$"), new($"^{System.Text.RegularExpressions.Regex.Escape(adminName)}$"), new("^api$"), new("^Regraded$")]);
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task The_policy_preview_names_who_changes_letter_and_saving_changes_the_letter_on_the_grid()
    {
        var c = await CourseAsync();
        // The student: homework 17/20 = 85 %, tests 70 %: 0.6 × 85 + 0.4 × 70 = 79 (C+); with 40/60 it is 76 (C).
        // The classmate has homework only (100 %): weights cannot move that grade.
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8));
        await GradeAsync(c, c.Hw2, c.Student, new GradeRequest(Score: 9));
        await GradeAsync(c, c.T1, c.Student, new GradeRequest(Score: 70));
        await GradeAsync(c, c.Hw1, c.Classmate, new GradeRequest(Score: 10));

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 79.00 % C+");
        await page.GetByRole(AriaRole.Link, new() { Name = "Grading policy" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Grading policy", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#weights-sum")).ToHaveTextAsync("Weights sum to 100 %.");
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Weight of Homework").FillAsync("40");
        await Expect(page.Locator("#weights-sum")).ToContainTextAsync("Weights sum to 80 %");
        await page.GetByLabel("Weight of Tests").FillAsync("60");
        await Expect(page.Locator("#weights-sum")).ToHaveTextAsync("Weights sum to 100 %.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0); // preview first
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();

        var preview = page.Locator("#policy-preview");
        await Expect(preview.GetByRole(AriaRole.Status)).ToContainTextAsync("1 student changes letter grade");
        var studentName = await c.D.ScalarAsync<string>("select family_name || ', ' || given_name from users where id = $1", c.Student);
        // The student's current letter changes (listed first); the classmate's current stays 100 % but the final (ungraded work
        // as 0: homework 50 %, tests 0 %) moves from 30 % to 20 %, so the classmate is listed too.
        var lines = preview.Locator("tbody tr");
        await Expect(lines).ToHaveCountAsync(2);
        await Expect(lines.First.Locator("th")).ToHaveTextAsync(studentName);
        await Expect(lines.First.Locator("td")).ToHaveTextAsync(["79 % C+", "76 % C", "79 % C+", "76 % C"]);
        await Expect(lines.Nth(1).Locator("td")).ToHaveTextAsync(["100 % A", "100 % A", "30 % F", "20 % F"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        Assert.Equal(60m, await c.D.ScalarAsync<decimal>("select weight from assignment_groups where id = $1", c.Homework)); // nothing saved yet

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".notice[role=status]")).ToContainTextAsync("The grading policy is saved");
        await Expect(page.GetByLabel("Weight of Homework")).ToHaveValueAsync("40");
        Assert.Equal(60m, await c.D.ScalarAsync<decimal>("select weight from assignment_groups where id = $1", c.Tests));
        Assert.Equal(1L, await c.D.ScalarAsync<long>("select count(*) from audit_events where action = 'assignment_groups.policy_updated' and entity_id = $1",
            c.Shell.ToString()));

        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook"));
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 76.00 % C");
        await Expect(page.Locator(c.Grade(c.Classmate))).ToContainTextAsync("Current 100.00 % A");
    }

    [Fact]
    public async Task Drop_lowest_and_never_drop_are_previewed_and_saved_with_the_policy()
    {
        var c = await CourseAsync();
        // HW1 8, HW2 9, T1 70: 79 (C+). Dropping the lowest homework (HW1) makes homework 90 %: 0.6 × 90 + 0.4 × 70 = 82 (B-).
        // With HW1 never dropped only HW2 could go, and one droppable item is always kept: nothing drops, 79 stays.
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8));
        await GradeAsync(c, c.Hw2, c.Student, new GradeRequest(Score: 9));
        await GradeAsync(c, c.T1, c.Student, new GradeRequest(Score: 70));

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/grading-policy");
        await page.GetByLabel("Lowest scores of Homework to drop").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var preview = page.Locator("#policy-preview");
        await Expect(preview.GetByRole(AriaRole.Status)).ToContainTextAsync("1 student changes letter grade");
        await Expect(preview.Locator("tbody tr").First.Locator("td")).ToHaveTextAsync(["79 % C+", "82 % B-", "79 % C+", "82 % B-"]);

        await page.GetByLabel("Never drop HW1").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(preview.GetByRole(AriaRole.Status)).ToContainTextAsync("0 students change letter grade");
        await Expect(page.GetByLabel("Never drop HW1")).ToBeCheckedAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".notice[role=status]")).ToContainTextAsync("The grading policy is saved");
        await Expect(page.GetByLabel("Never drop HW1")).ToBeCheckedAsync();
        Assert.Equal(1, await c.D.ScalarAsync<int>("select drop_lowest from assignment_groups where id = $1", c.Homework));
        Assert.Equal(c.Hw1, await c.D.ScalarAsync<Guid>("select assignment_id from group_never_drop where group_id = $1", c.Homework));
        Assert.Equal(79m, await c.D.ScalarAsync<decimal>("select unposted_current_score from student_scores where shell_id = $1 and student_id = $2",
            c.Shell, c.Student));
    }

    [Fact]
    public async Task The_policy_page_shows_a_closed_period_and_a_save_is_refused()
    {
        var c = await CourseAsync();
        var fall = await c.D.ScalarAsync<Guid>("select internal_id from external_ids where external_id = 'nw-2027-fall'");
        var period = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await c.D.ExecAsync("""
            insert into academic_sessions (tenant_id, id, title, type, start_date, end_date, parent_id, school_year)
            values ($1, $2, 'Quarter 2', 'gradingPeriod', $3, $4, $5, 2027)
            """, c.D.District.Id, period, today.AddDays(-20), today.AddDays(20), fall);
        await c.D.ExecAsync("insert into grading_period_closures (tenant_id, session_id, closed_by) values ($1, $2, $3)",
            c.D.District.Id, period, c.Teacher.PersonId!.Value);

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/grading-policy");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Grading period Quarter 2 is closed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#policy-preview")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
        var status = await CoursePageSessions.PostWithTokenAsync(page, $"/courses/{c.Shell}/grading-policy?handler=save",
            $"Weighting=points&Version=0&Groups[0].Id={c.Homework}&Groups[0].Weight=10");
        Assert.Equal(409, status);
        Assert.Equal(60m, await c.D.ScalarAsync<decimal>("select weight from assignment_groups where id = $1", c.Homework));
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from shell_grading_policies where shell_id = $1", c.Shell));
    }

    [Fact]
    public async Task Gradebook_filters_narrow_the_grid_by_class_group_and_missing_work_and_stay_in_the_address()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Status: "missing"));
        var inP1 = await c.D.ScalarAsync<long>("select count(*) from enrollments where class_id = $1 and role = 'student' and status = 'active'", c.P1);
        var inP3 = await c.D.ScalarAsync<long>("select count(*) from enrollments where class_id = $1 and role = 'student' and status = 'active'", c.P3);

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        var rows = page.Locator("#gradebook tbody tr");
        await Expect(rows).ToHaveCountAsync((int)Math.Min(50, inP1 + inP3));
        await page.GetByLabel("Class").SelectOptionAsync(c.P3.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync((int)inP3);

        await page.GetByLabel("Class").SelectOptionAsync(c.P1.ToString());
        await page.GetByLabel("Assignment group").SelectOptionAsync(new SelectOptionValue { Label = "Homework" });
        await page.GetByLabel("Only students with missing or late work").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.Locator("th")).ToHaveTextAsync(await c.D.ScalarAsync<string>(
            "select family_name || ', ' || given_name from users where id = $1", c.Student));
        await Expect(page.Locator("th[scope=colgroup]")).ToHaveTextAsync(["Homework"]);
        await Expect(page.Locator("#gradebook thead a")).ToHaveTextAsync(["HW1", "HW2"]);
        await Expect(page.Locator("nav.pager p")).ToHaveTextAsync("1–1 of 1"); // the count is the filtered query's
        await BrowserFixture.AssertAccessibleAsync(page);
        Assert.Contains($"groupId={c.Homework}", page.Url);
        Assert.Contains("late=1", page.Url);
        Assert.Contains($"groupId={c.Homework}", await page.GetByRole(AriaRole.Link, new() { Name = "Export the gradebook as CSV" }).GetAttributeAsync("href"));

        // The address alone gives the same grid; in the Tests group nobody has missing work.
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook?groupId={c.Homework}&late=1"));
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(page.GetByLabel("Only students with missing or late work")).ToBeCheckedAsync();
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook?groupId={c.Tests}&late=1"));
        await Expect(page.GetByText("No student has missing or late work in this group.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_student_gets_the_friendly_page_and_another_districts_teacher_finds_nothing()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8));
        var page = await web.SignedInAsync(c.D.District, "nw-s-001");
        foreach (var path in new[] { $"/courses/{c.Shell}/gradebook/history", $"/courses/{c.Shell}/gradebook/history?handler=csv",
                     $"/courses/{c.Shell}/grading-policy" })
        {
            await page.GotoAsync(web.Url(c.D.District.Slug, path));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(page);
        foreach (var handler in new[] { "preview", "save" })
            Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(page, $"/courses/{c.Shell}/grading-policy?handler={handler}",
                $"Weighting=points&Version=0&Groups[0].Id={c.Homework}&Groups[0].Weight=10"));
        Assert.Equal(60m, await c.D.ScalarAsync<decimal>("select weight from assignment_groups where id = $1", c.Homework));

        var other = await ShellTestDistrict.CreateAsync(web.Api);
        var stranger = await web.SignedInAsync(other.District, "nw-t-001");
        await stranger.GotoAsync(web.Url(other.District.Slug, "/courses")); // a page of theirs, for its antiforgery token
        Assert.Equal(404, await CoursePageSessions.PostWithTokenAsync(stranger, $"/courses/{c.Shell}/grading-policy?handler=save", "Weighting=points"));
        foreach (var path in new[] { $"/courses/{c.Shell}/gradebook/history", $"/courses/{c.Shell}/grading-policy" })
        {
            await stranger.GotoAsync(web.Url(other.District.Slug, path));
            await Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        }
    }
}
