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
/// The teacher's gradebook pages in Chromium over an imported northwind-1.1-bulk: scores typed with the keyboard and
/// saved cell by cell (the course grade follows, as the engine stored it), a stale cell refused without overwriting,
/// the reason prompt for a posted grade, CSV export and import (preview with line/column errors, confirm applies the
/// valid rows only), the submission review page (grading one attempt, posting), a student refused with the friendly
/// page. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class GradebookPagesTests(BrowserFixture web)
{
    sealed record Course(ShellTestDistrict D, Guid Shell, Guid Hw1, Guid Hw2, Guid Student, Guid Classmate, ShellViewer Teacher)
    {
        public string Url => $"/courses/{Shell}/gradebook";
        public string Cell(Guid student, Guid assignment) => $"#cell-{student:N}-{assignment:N}";
        public string Grade(Guid student) => $"#grade-{student:N}";
    }

    Task<T> RunAsync<T>(ShellTestDistrict d, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(web.Api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active), work);

    /// <summary>Algebra I P1 published (nw-t-001 teaches, nw-s-001 takes it), one group "Homework" (weight 100) with HW1 and HW2 of 10 points.</summary>
    async Task<Course> CourseAsync(bool hw2PostsManually = false)
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var teacher = new ShellViewer(await d.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
        var student = await d.IdAsync("users", "nw-s-001");
        var classmate = await d.ScalarAsync<Guid>("""
            select user_id from enrollments where class_id = $1 and role = 'student' and status = 'active' and user_id <> $2 order by user_id limit 1
            """, await d.IdAsync("classes", "nw-cls-alg1-p1"), student);
        var (hw1, hw2) = await RunAsync(d, async s =>
        {
            await s.GetRequiredService<ShellEditing>().SetStatusAsync(teacher, shell, ShellStatus.Published, default);
            var editing = s.GetRequiredService<AssignmentEditing>();
            var group = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Homework", 100, 0, 0, null), default);
            async Task<Guid> AssignmentAsync(string title, bool manual)
            {
                var a = await editing.CreateAsync(teacher, shell, new AssignmentInput(GroupId: group.Id, Title: title, PointsPossible: 10,
                    DueAt: DateTimeOffset.UtcNow.AddDays(7), PostManually: manual, Instructions: "Problems 1-10."), default);
                await editing.PublishAsync(teacher, a.Id, true, default);
                return a.Id;
            }
            return (await AssignmentAsync("HW1", false), await AssignmentAsync("HW2", hw2PostsManually));
        });
        return new Course(d, shell, hw1, hw2, student, classmate, teacher);
    }

    Task<SubmissionView> GradeAsync(Course c, Guid assignment, Guid student, GradeRequest request, string ifMatch) => RunAsync(c.D, s =>
        s.GetRequiredService<Grading>().GradeAsync(c.Teacher, assignment, student, request, ifMatch, GradeChannel.Api, default));

    async Task<IPage> TeacherAsync(Course c, string path)
    {
        var page = await web.SignedInAsync(c.D.District, "nw-t-001", 1280);
        await page.GotoAsync(web.Url(c.D.District.Slug, path));
        return page;
    }

    [Fact]
    public async Task A_teacher_types_scores_with_the_keyboard_each_cell_is_saved_and_the_course_grade_follows()
    {
        var c = await CourseAsync();
        var page = await TeacherAsync(c, $"/courses/{c.Shell}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Gradebook", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Gradebook", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("th[scope=colgroup]")).ToHaveTextAsync(["Homework"]);
        await BrowserFixture.AssertAccessibleAsync(page);

        var hw1 = page.Locator($"{c.Cell(c.Student, c.Hw1)} input[name=value]");
        await hw1.FocusAsync();
        await page.Keyboard.TypeAsync("8");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 80.00 % B-");
        await Expect(hw1).ToHaveValueAsync("8");
        // Enter moves down a row to the same assignment of the next student (Shift+Enter back up); an unchanged cell is not sent.
        var firstRow = page.Locator("#gradebook tbody tr").First.Locator("td.grade-cell input.cell-input").First;
        var secondRow = page.Locator("#gradebook tbody tr").Nth(1).Locator("td.grade-cell input.cell-input").First;
        await firstRow.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(secondRow).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Enter");
        await Expect(firstRow).ToBeFocusedAsync();

        // Tab saves and moves on: EX excuses HW2, which then counts in neither part of the grade.
        await page.Locator($"{c.Cell(c.Student, c.Hw2)} input[name=value]").FocusAsync();
        await page.Keyboard.TypeAsync("EX");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator(c.Cell(c.Student, c.Hw2))).ToContainTextAsync("excused");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Final 80.00 % B-");

        Assert.Equal(8m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw1, c.Student));
        Assert.True(await c.D.ScalarAsync<bool>("select excused from submissions where assignment_id = $1 and student_id = $2", c.Hw2, c.Student));
        Assert.Equal("web", await c.D.ScalarAsync<string>("select channel from grade_changes where assignment_id = $1 and student_id = $2", c.Hw1, c.Student));

        // Not a number: the cell says so and nothing is saved.
        await page.Locator($"{c.Cell(c.Classmate, c.Hw1)} input[name=value]").FillAsync("eight");
        await page.Locator($"{c.Cell(c.Classmate, c.Hw1)} input[name=value]").PressAsync("Enter");
        await Expect(page.Locator($"{c.Cell(c.Classmate, c.Hw1)} [role=alert]")).ToContainTextAsync("Enter points");
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from submissions where student_id = $1", c.Classmate));

        await page.ReloadAsync();
        await Expect(hw1).ToHaveValueAsync("8");
        await Expect(page.Locator($"{c.Cell(c.Student, c.Hw2)} input[name=value]")).ToHaveValueAsync("EX");
    }

    [Fact]
    public async Task A_stale_cell_is_refused_with_a_message_and_the_other_graders_score_is_kept()
    {
        var c = await CourseAsync(hw2PostsManually: true); // unposted: no reason is needed to replace a score
        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        await GradeAsync(c, c.Hw2, c.Student, new GradeRequest(Score: 5), "\"0\""); // another grader, after the page was read

        var input = page.Locator($"{c.Cell(c.Student, c.Hw2)} input[name=value]");
        await input.FillAsync("9");
        await input.PressAsync("Enter");
        await Expect(page.Locator($"{c.Cell(c.Student, c.Hw2)} [role=alert]")).ToContainTextAsync("Someone else changed this grade");
        await Expect(input).ToHaveValueAsync("5");
        Assert.Equal(5m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw2, c.Student));
        await BrowserFixture.AssertAccessibleAsync(page);

        // Now the cell holds the current version: entering 9 again replaces it on purpose.
        await input.FillAsync("9");
        await input.PressAsync("Enter");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 90.00 % A-");
        Assert.Equal(9m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw2, c.Student));
    }

    [Fact]
    public async Task Changing_a_posted_grade_prompts_for_a_reason_and_saves_it_with_the_change()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 6), "\"0\""); // HW1 posts automatically: 6 is posted
        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");

        var cell = page.Locator(c.Cell(c.Student, c.Hw1));
        await cell.Locator("input[name=value]").FillAsync("9");
        await cell.Locator("input[name=value]").PressAsync("Enter");
        var reason = page.GetByLabel("Reason for changing");
        await Expect(reason).ToBeFocusedAsync();
        await Expect(cell.Locator("[role=alert]")).ToContainTextAsync("already posted");
        Assert.Equal(6m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw1, c.Student));
        await BrowserFixture.AssertAccessibleAsync(page);

        await reason.FillAsync("Regraded after review");
        await reason.PressAsync("Enter");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 90.00 % A-");
        await Expect(cell.GetByLabel("Reason for changing")).ToHaveCountAsync(0);
        Assert.Equal(9m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw1, c.Student));
        Assert.Equal("Regraded after review", await c.D.ScalarAsync<string>("""
            select reason from grade_changes where assignment_id = $1 and student_id = $2 and channel = 'web' and kind = 'score'
            """, c.Hw1, c.Student));
    }

    [Fact]
    public async Task A_closed_grading_period_shows_its_message_in_the_cell_and_changes_nothing()
    {
        var c = await CourseAsync(hw2PostsManually: true);
        var fall = await c.D.ScalarAsync<Guid>("select internal_id from external_ids where external_id = 'nw-2027-fall'");
        var period = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await c.D.ExecAsync("""
            insert into academic_sessions (tenant_id, id, title, type, start_date, end_date, parent_id, school_year)
            values ($1, $2, 'Quarter 2', 'gradingPeriod', $3, $4, $5, 2027)
            """, c.D.District.Id, period, today.AddDays(-20), today.AddDays(20), fall);
        await c.D.ExecAsync("insert into grading_period_closures (tenant_id, session_id, closed_by) values ($1, $2, $3)",
            c.D.District.Id, period, c.Teacher.PersonId!.Value);

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        var input = page.Locator($"{c.Cell(c.Student, c.Hw2)} input[name=value]");
        await input.FillAsync("4");
        await input.PressAsync("Enter");
        await Expect(page.Locator($"{c.Cell(c.Student, c.Hw2)} [role=alert]")).ToContainTextAsync("Grading period Quarter 2 is closed");
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from submissions where shell_id = $1", c.Shell));
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from grade_changes where shell_id = $1", c.Shell));
    }

    [Fact]
    public async Task Without_javascript_a_cell_still_saves_as_a_form_post()
    {
        var c = await CourseAsync();
        var context = await web.NewPageAsync(1280);
        await context.Context.CloseAsync();
        var browser = context.Context.Browser!;
        await using var noScript = await browser.NewContextAsync(new() { JavaScriptEnabled = false, ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await noScript.NewPageAsync();
        await web.SignInAsync(page, await CoursePageSessions.PersonAsync(web, c.D.District, "nw-t-001"));
        await page.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/gradebook"));
        var input = page.Locator($"{c.Cell(c.Student, c.Hw1)} input[name=value]");
        await input.FillAsync("7");
        await input.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The grade is saved.");
        await Expect(page.Locator(c.Grade(c.Student))).ToContainTextAsync("Current 70.00 % C-");
        Assert.Equal(7m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw1, c.Student));
    }

    [Fact]
    public async Task The_csv_export_holds_the_grid_and_an_import_previews_errors_by_line_and_column_and_applies_only_valid_rows_after_confirm()
    {
        var c = await CourseAsync();
        await GradeAsync(c, c.Hw1, c.Student, new GradeRequest(Score: 8), "\"0\"");
        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export the gradebook as CSV" }).ClickAsync());
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.Equal($"student_id,student_name,HW1 [{c.Hw1}],HW2 [{c.Hw2}],current,current_letter,final,final_letter", csv[0]);
        var enrolled = await c.D.ScalarAsync<long>("""
            select count(distinct e.user_id) from enrollments e join course_shell_classes sc on sc.class_id = e.class_id
            where sc.shell_id = $1 and e.role = 'student' and e.status = 'active'
            """, c.Shell);
        Assert.Equal(enrolled + 1, csv.Length);
        var mine = Assert.Single(csv, l => l.StartsWith(c.Student.ToString()));
        Assert.EndsWith(",8,,80.00,B-,40.00,F", mine);

        await page.GetByRole(AriaRole.Link, new() { Name = "Import scores from CSV" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import scores from CSV" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        var file = string.Join("\r\n",
            $"student_id,HW1 [{c.Hw1}],HW2 [{c.Hw2}],Notes",
            $"{c.Student},8,EX,",                  // line 2: HW1 unchanged, HW2 excused
            $"{c.Classmate},7,lots,",              // line 3: HW2 is no score: the whole row changes nothing
            $"{Guid.NewGuid()},5,5,") + "\r\n";    // line 4: not a student of the course
        await page.GetByLabel("CSV file").SetInputFilesAsync(new FilePayload { Name = "scores.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(file) });
        await page.GetByLabel("Reason (recorded").FillAsync("Term import");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview the changes" }).ClickAsync();

        await Expect(page.Locator("#preview-summary")).ToContainTextAsync("3 rows read · 1 score would change · 2 rows have errors");
        var findings = page.Locator("#import-findings tbody tr");
        await Expect(findings.Filter(new() { HasText = "lots" })).ToContainTextAsync($"3HW2 [{c.Hw2}]Error");
        await Expect(findings.Filter(new() { HasText = "Not a student of this course" })).ToContainTextAsync("4student_idError");
        await Expect(findings.Filter(new() { HasText = "Notes" })).ToContainTextAsync("Warning");
        await Expect(page.Locator("#import-changes tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#import-changes tbody tr")).ToContainTextAsync("HW2—EX");
        await BrowserFixture.AssertAccessibleAsync(page);
        Assert.Equal(1L, await c.D.ScalarAsync<long>("select count(*) from submissions where shell_id = $1", c.Shell)); // nothing saved yet

        await page.GetByRole(AriaRole.Button, new() { Name = "Apply 1 change" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 score is changed.");
        Assert.True(await c.D.ScalarAsync<bool>("select excused from submissions where assignment_id = $1 and student_id = $2", c.Hw2, c.Student));
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from submissions where student_id = $1", c.Classmate));
        Assert.Equal("import Term import", await c.D.ScalarAsync<string>("""
            select channel || ' ' || reason from grade_changes where assignment_id = $1 and student_id = $2
            """, c.Hw2, c.Student));
    }

    [Fact]
    public async Task The_review_page_shows_an_attempt_safely_grades_it_and_posts_the_grades()
    {
        var c = await CourseAsync(hw2PostsManually: true);
        var student = new ShellViewer(c.Student, new HashSet<string> { Roles.Student });
        await RunAsync(c.D, s => s.GetRequiredService<Submitting>().SubmitAsync(student, c.Hw2,
            new SubmitRequest("text", "<script>window.hacked = 1</script>My answer is 42.", null), null, default));

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/gradebook");
        await Expect(page.Locator(c.Cell(c.Student, c.Hw2))).ToContainTextAsync("needs grading");
        await page.GetByRole(AriaRole.Link, new() { Name = "HW2", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Review: HW2" })).ToBeVisibleAsync();
        await Expect(page.Locator("#posting-state")).ToHaveTextAsync("Grades are hidden: students do not see them yet.");
        var row = page.Locator("#submissions tbody tr").Filter(new() { HasText = "Needs grading" });
        await Expect(row).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(page);
        await row.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Text of attempt 1" })).ToHaveTextAsync("<script>window.hacked = 1</script>My answer is 42.");
        Assert.Null(await page.EvaluateAsync<int?>("window.hacked"));
        await page.GetByLabel("Score (out of 10").FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the grade" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The grade is saved.");
        await Expect(page.Locator("#submissions tbody tr").Filter(new() { HasText = "Graded" })).ToContainTextAsync("9");
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Post grades" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Grades are posted: students see them.");
        Assert.True(await c.D.ScalarAsync<bool>("select grades_posted_at is not null from assignments where id = $1", c.Hw2));
        Assert.Equal(9m, await c.D.ScalarAsync<decimal>("select score from submissions where assignment_id = $1 and student_id = $2", c.Hw2, c.Student));

        // Posted now: changing the grade asks for a reason, next to the field.
        await page.GetByLabel("Score (out of 10").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the grade" }).ClickAsync();
        await Expect(page.Locator("#grade-reason-error")).ToContainTextAsync("already posted");
        await page.Locator("#grade-reason").FillAsync("Late work accepted");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the grade" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The grade is saved.");
        Assert.Equal("Late work accepted", await c.D.ScalarAsync<string>("""
            select reason from grade_changes where assignment_id = $1 and student_id = $2 and kind = 'score' order by changed_at desc limit 1
            """, c.Hw2, c.Student));
    }

    [Fact]
    public async Task The_review_page_downloads_a_handed_in_file_and_shows_a_link_attempt()
    {
        var c = await CourseAsync();
        var student = new ShellViewer(c.Student, new HashSet<string> { Roles.Student });
        var pdf = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        await RunAsync(c.D, async s =>
        {
            var submitting = s.GetRequiredService<Submitting>();
            await submitting.SubmitAsync(student, c.Hw1, new SubmitRequest("file", null, null), new FileUpload("essay.pdf", new MemoryStream(pdf)), default);
            return await submitting.SubmitAsync(student, c.Hw1, new SubmitRequest("link", null, "https://docs.example.org/essay"), null, default);
        });

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/assignments/{c.Hw1}/review?studentId={c.Student}");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "https://docs.example.org/essay" })).ToHaveAttributeAsync("rel", "noopener noreferrer nofollow");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "essay.pdf" }).ClickAsync());
        Assert.Equal("essay.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync((await download.PathAsync())!));
        await BrowserFixture.AssertAccessibleAsync(page);

        // A student asking for the same file gets the friendly page, not the file.
        var learner = await web.SignedInAsync(c.D.District, "nw-s-001");
        await learner.GotoAsync(web.Url(c.D.District.Slug, $"/courses/{c.Shell}/assignments/{c.Hw1}/review?handler=file&studentId={c.Student}&attempt=1"));
        await Expect(learner.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_review_page_summarises_a_students_quiz_attempts()
    {
        var c = await CourseAsync();
        var student = new ShellViewer(c.Student, new HashSet<string> { Roles.Student });
        var (tf, essay) = (Guid.NewGuid(), Guid.NewGuid());
        await RunAsync(c.D, async s =>
        {
            var quizzes = s.GetRequiredService<LmsCloud.Core.Learning.Quizzes.QuizService>();
            await quizzes.SaveAsync(c.Teacher, c.Hw1, new LmsCloud.Core.Learning.Quizzes.QuizInput(null, "highest", false, false,
            [
                new(tf, LmsCloud.Core.Learning.Quizzes.QuestionKind.TrueFalse, "2 + 2 = 4", 2, [], CorrectBoolean: true),
                new(essay, LmsCloud.Core.Learning.Quizzes.QuestionKind.Essay, "Explain.", 3, []),
            ]), default);
            var attempt = await quizzes.StartAsync(student, c.Hw1, default);
            return await quizzes.SubmitAsync(student, attempt.Id, [new(tf, Boolean: true), new(essay, Text: "Because.")], default);
        });

        var page = await TeacherAsync(c, $"/courses/{c.Shell}/assignments/{c.Hw1}/review?studentId={c.Student}");
        var attempt = page.Locator("#quiz-attempts tbody tr");
        await Expect(attempt).ToHaveCountAsync(1);
        await Expect(attempt).ToContainTextAsync("/ 5");
        await Expect(attempt).ToContainTextAsync("1 question");
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_student_gets_the_friendly_page_and_cannot_post_a_grade()
    {
        var c = await CourseAsync();
        var page = await web.SignedInAsync(c.D.District, "nw-s-001");
        foreach (var path in new[] { $"/courses/{c.Shell}/gradebook", $"/courses/{c.Shell}/gradebook/import", $"/courses/{c.Shell}/assignments/{c.Hw1}/review",
                     $"/courses/{c.Shell}/gradebook?handler=csv" })
        {
            await page.GotoAsync(web.Url(c.D.District.Slug, path));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(page);
        var status = await CoursePageSessions.PostWithTokenAsync(page,
            $"/courses/{c.Shell}/gradebook?handler=cell&studentId={c.Student}&assignmentId={c.Hw1}&rowVersion=0", "value=10");
        Assert.Equal(403, status);
        Assert.Equal(0L, await c.D.ScalarAsync<long>("select count(*) from submissions where shell_id = $1", c.Shell));

        // Another district's teacher: the same ids are no course there.
        var other = await ShellTestDistrict.CreateAsync(web.Api);
        var stranger = await web.SignedInAsync(other.District, "nw-t-001");
        await stranger.GotoAsync(web.Url(other.District.Slug, $"/courses/{c.Shell}/gradebook"));
        await Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
    }
}
