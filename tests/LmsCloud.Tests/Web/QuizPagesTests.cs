using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// Quiz pages in Chromium over an imported northwind-1.1-bulk (Algebra I P1: teacher nw-t-001, students nw-s-001 Ethan
/// Walker and nw-s-002): the teacher builds a quiz of four kinds, a bad question shows its error next to it; the student
/// starts, answers (autosave survives a reload), submits after confirming and sees each question's score but never the
/// key; the teacher hand-grades the essay and the student's result follows; the server's time limit (the deadline moved
/// into the past by SQL) turns a save and a submit into the "Time is up" page with the saved answers counted; students
/// cannot open the teacher's pages, nor another student's attempt. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class QuizPagesTests(BrowserFixture web)
{
    sealed record Course(ShellTestDistrict District, Guid Shell, Guid Assignment, string QuizUrl);

    /// <summary>Algebra I P1 published with one published assignment "Quiz 1" (2 attempts allowed) and no quiz yet.</summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var assignment = await AsTeacherAsync(d, async (scope, viewer) =>
        {
            await scope.GetRequiredService<ShellEditing>().SetStatusAsync(viewer, shell, ShellStatus.Published, default);
            var editing = scope.GetRequiredService<AssignmentEditing>();
            var group = await editing.CreateGroupAsync(viewer, shell, new AssignmentGroupInput("Quizzes", 100, 0, 0, null), default);
            var a = await editing.CreateAsync(viewer, shell, new AssignmentInput(GroupId: group.Id, Title: "Quiz 1", PointsPossible: 1, AllowedAttempts: 2), default);
            await editing.PublishAsync(viewer, a.Id, true, default);
            return a.Id;
        });
        return new Course(d, shell, assignment, web.Url(d.District.Slug, $"/courses/{shell}/quizzes/{assignment}"));
    }

    async Task<T> AsTeacherAsync<T>(ShellTestDistrict d, Func<IServiceProvider, ShellViewer, Task<T>> work)
    {
        var viewer = new ShellViewer(await d.IdAsync("users", "nw-t-001"), new HashSet<string> { Roles.Teacher });
        var district = new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active);
        return await DistrictScope.RunAsync(web.Api.Services, district, scope => work(scope, viewer));
    }

    /// <summary>Waits (up to 10 s) until the student's open attempt has saved answers matching the condition.</summary>
    static async Task SavedAsync(Course c, string sql, string because)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await c.District.ScalarAsync<bool>(sql, c.Assignment)) return;
            await Task.Delay(100);
        }
        Assert.Fail($"Not saved: {because}");
    }

    [Fact]
    public async Task A_teacher_builds_a_quiz_the_student_takes_it_and_the_essay_is_graded_by_hand()
    {
        var c = await CourseAsync();
        var teacher = await web.SignedInAsync(c.District.District, "nw-t-001");
        await teacher.GotoAsync(web.Url(c.District.District.Slug, $"/courses/{c.Shell}"));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Quizzes", Exact = true }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Create the quiz Quiz 1" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Quiz builder: Quiz 1" })).ToBeVisibleAsync();

        await teacher.GetByLabel("Time limit in minutes").FillAsync("30");
        await teacher.GetByLabel("Score that counts").SelectOptionAsync("latest");
        foreach (var kind in new[] { "Single choice", "Numeric", "Short answer", "Essay" })
        {
            await teacher.GetByLabel("Kind of the new question").SelectOptionAsync(new SelectOptionValue { Label = kind });
            await teacher.GetByRole(AriaRole.Button, new() { Name = "Add the question" }).ClickAsync();
        }
        await Expect(teacher.GetByRole(AriaRole.Status)).ToContainTextAsync("Not saved yet");
        await Expect(teacher.GetByLabel("Time limit in minutes")).ToHaveValueAsync("30"); // the round trip keeps what was typed
        await teacher.GetByLabel("Question 1 prompt").FillAsync("How many legs has a spider?");
        await teacher.GetByLabel("Question 1 points").FillAsync("2");
        await teacher.GetByLabel("Question 1 choice 1", new() { Exact = true }).FillAsync("Six");
        await teacher.GetByLabel("Question 1 choice 2", new() { Exact = true }).FillAsync("Eight");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Add a choice to question 1" }).ClickAsync();
        await teacher.GetByLabel("Question 1 choice 3", new() { Exact = true }).FillAsync("Ten");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Remove question 1 choice 3" }).ClickAsync();
        await Expect(teacher.GetByLabel("Question 1 choice 3", new() { Exact = true })).ToHaveCountAsync(0);
        await teacher.GetByLabel("Question 2 prompt").FillAsync("Pi to two places?");
        await teacher.GetByLabel("Question 2 points").FillAsync("2");
        await teacher.GetByLabel("Question 2 answer").FillAsync("3.14");
        await teacher.GetByLabel("Question 2 tolerance").FillAsync("0.01");
        await teacher.GetByLabel("Question 3 prompt").FillAsync("Capital of France?");
        await teacher.GetByLabel("Question 3 accepted answers").FillAsync("Paris");
        await teacher.GetByLabel("Question 4 prompt").FillAsync("Explain slope.");
        await teacher.GetByLabel("Question 4 points").FillAsync("5");
        // The essay first, then back: the order is the teacher's.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Move up question 4" }).ClickAsync();
        await Expect(teacher.GetByLabel("Question 3 prompt")).ToHaveValueAsync("Explain slope.");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Move down question 3" }).ClickAsync();
        await Expect(teacher.GetByLabel("Question 4 prompt")).ToHaveValueAsync("Explain slope.");
        await teacher.SetViewportSizeAsync(360, 760);
        await CoursePageSessions.AssertFitsAsync(teacher);
        await teacher.SetViewportSizeAsync(1024, 760);

        // No correct choice marked: the service's error (questions[0].choices) is shown at question 1, and nothing is saved.
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the quiz" }).ClickAsync();
        await Expect(teacher.Locator("#question-1-choices-error")).ToHaveTextAsync("Question 1: A single-choice question has exactly one correct choice.");
        await Expect(teacher.Locator("#question-1 .field-error")).ToHaveCountAsync(1);
        await Expect(teacher.Locator("#question-2 .field-error")).ToHaveCountAsync(0);
        await Expect(teacher.GetByLabel("Question 3 accepted answers")).ToHaveValueAsync("Paris");
        Assert.Equal(0L, await c.District.ScalarAsync<long>("select count(*) from quizzes where assignment_id = $1", c.Assignment));
        await BrowserFixture.ScreenshotAsync(teacher, "quiz-builder-error");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByLabel("Correct: question 1 choice 2").CheckAsync();
        await teacher.GetByLabel("Question 2 points").PressAsync("Enter"); // Enter saves; it does not press the first Remove button
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The quiz is saved: 4 questions, 10 points.");
        await Expect(teacher.GetByLabel("Correct: question 1 choice 2")).ToBeCheckedAsync();
        await Expect(teacher.GetByLabel("Score that counts")).ToHaveValueAsync("latest");
        await BrowserFixture.AssertAccessibleAsync(teacher);

        // The student: start page, then the attempt.
        var student = await web.SignedInAsync(c.District.District, "nw-s-001");
        await student.GotoAsync(web.Url(c.District.District.Slug, $"/courses/{c.Shell}"));
        await student.GetByRole(AriaRole.Link, new() { Name = "Quizzes", Exact = true }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(student);
        await student.GetByRole(AriaRole.Link, new() { Name = "Quiz 1" }).ClickAsync();
        await Expect(student.Locator("#quiz-time-limit")).ToHaveTextAsync("30 minutes, counted by the server from when you start");
        await Expect(student.Locator("#quiz-attempts-used")).ToHaveTextAsync("0 used of 2");
        await Expect(student.Locator("#quiz-keep")).ToHaveTextAsync("your latest attempt counts");
        await BrowserFixture.AssertAccessibleAsync(student);
        await student.GetByRole(AriaRole.Button, new() { Name = "Start the quiz" }).ClickAsync();
        await Expect(student.Locator("#quiz-time-left")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(30:00|29:\d\d)$"));
        var source = await student.ContentAsync();
        Assert.DoesNotContain("Paris", source);
        Assert.DoesNotContain("3.14", source);

        await student.GetByLabel("Six").CheckAsync();
        await student.GetByLabel("Pi to two places?").FillAsync("3.14");
        await student.GetByLabel("Capital of France?").FillAsync("Lyon");
        await student.GetByLabel("Explain slope.").FillAsync("Rise over run.");
        await student.GetByLabel("Explain slope.").BlurAsync();
        await SavedAsync(c, "select answers::text like '%Rise over run.%' and answers::text like '%Lyon%' from quiz_attempts where assignment_id = $1",
            "the essay and short answer");
        await Expect(student.Locator("#quiz-save-status")).ToHaveTextAsync("All answers saved.");
        await BrowserFixture.ScreenshotAsync(student, "quiz-attempt");
        await student.SetViewportSizeAsync(360, 760);
        await CoursePageSessions.AssertFitsAsync(student);
        await student.SetViewportSizeAsync(1024, 760);
        await BrowserFixture.AssertAccessibleAsync(student);
        await student.ReloadAsync();
        await Expect(student.GetByLabel("Six")).ToBeCheckedAsync();
        await Expect(student.GetByLabel("Pi to two places?")).ToHaveValueAsync("3.14");
        await Expect(student.GetByLabel("Capital of France?")).ToHaveValueAsync("Lyon");
        await Expect(student.GetByLabel("Explain slope.")).ToHaveValueAsync("Rise over run.");
        await student.GetByLabel("Capital of France?").PressAsync("Enter"); // Enter saves without script too
        await Expect(student.GetByRole(AriaRole.Status).First).ToHaveTextAsync("Your answers are saved.");

        await student.GetByRole(AriaRole.Button, new() { Name = "Submit…" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "Submit your answers?" })).ToBeVisibleAsync();
        await Expect(student.Locator("#confirm-text")).ToContainTextAsync("You answered 4 of 4 questions.");
        await BrowserFixture.AssertAccessibleAsync(student);
        await student.GetByRole(AriaRole.Button, new() { Name = "Yes, submit my answers" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "Quiz 1: attempt 1 submitted" })).ToBeVisibleAsync();
        await Expect(student.Locator("#quiz-score")).ToHaveTextAsync("2 of 10 points so far: 1 question waits for your teacher.");
        await Expect(student.Locator(".quiz-question-score")).ToHaveTextAsync(["0 of 2 points", "2 of 2 points", "0 of 1 point", "Waiting for your teacher (5 points)"]);
        await Expect(student.Locator(".quiz-answer")).ToHaveTextAsync(["Six", "3.14", "Lyon", "Rise over run."]);
        source = await student.ContentAsync();
        Assert.DoesNotContain("Eight", source); // the correct choice, not picked
        Assert.DoesNotContain("Paris", source);
        Assert.DoesNotContain("0.01", source);
        await BrowserFixture.ScreenshotAsync(student, "quiz-result");
        await BrowserFixture.AssertAccessibleAsync(student);

        // The teacher scores the essay: out of range is refused at the field, then 4 with a reason.
        await teacher.GotoAsync($"{c.QuizUrl}/attempts");
        await Expect(teacher.Locator("#attempts-waiting")).ToHaveTextAsync("1 attempt waits for hand grading.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await Expect(teacher.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(teacher.Locator("tbody tr td").Nth(1)).ToHaveTextAsync("Submitted, waiting for the teacher");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Ethan Walker (attempt 1)" }).ClickAsync();
        await Expect(teacher.Locator(".quiz-answer").Nth(3)).ToHaveTextAsync("Rise over run.");
        await teacher.GetByLabel("Points for question 4").FillAsync("6");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the score of question 4" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Alert)).ToContainTextAsync("Points for this question are 0 to 5.");
        await Expect(teacher.Locator(".quiz-question").Nth(3).Locator(".field-error")).ToHaveTextAsync("Points for this question are 0 to 5.");
        await BrowserFixture.AssertAccessibleAsync(teacher);
        await teacher.GetByLabel("Points for question 4").FillAsync("4");
        await teacher.GetByLabel("Reason", new() { Exact = false }).Nth(3).FillAsync("Clear, but no example");
        await teacher.GetByRole(AriaRole.Button, new() { Name = "Save the score of question 4" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("The score is saved; the student's grade follows.");
        await Expect(teacher.Locator("#attempt-score")).ToHaveTextAsync("6 of 10 points");
        await BrowserFixture.ScreenshotAsync(teacher, "quiz-review");
        Assert.Equal("Clear, but no example", await c.District.ScalarAsync<string>(
            "select reason from grade_changes where assignment_id = $1 and kind = 'score' order by changed_at desc limit 1", c.Assignment));

        await student.ReloadAsync();
        await Expect(student.Locator("#quiz-score")).ToHaveTextAsync("6 of 10 points");
        await Expect(student.Locator(".quiz-question-score").Nth(3)).ToHaveTextAsync("4 of 5 points");
        await student.GotoAsync(c.QuizUrl);
        await Expect(student.Locator("#quiz-attempts-used")).ToHaveTextAsync("1 used of 2");
    }

    /// <summary>Two questions: single choice (2 points), true/false (1 point); a 10-minute limit.</summary>
    async Task TimedQuizAsync(Course c) => await AsTeacherAsync(c.District, async (scope, viewer) =>
        await scope.GetRequiredService<QuizService>().SaveAsync(viewer, c.Assignment, new QuizInput(10, "highest", false, false,
        [
            new QuizQuestion(Guid.NewGuid(), QuestionKind.SingleChoice, "2 + 2?", 2, [new QuizChoice(Guid.NewGuid(), "4", true), new QuizChoice(Guid.NewGuid(), "5", false)]),
            new QuizQuestion(Guid.NewGuid(), QuestionKind.TrueFalse, "0 is even.", 1, [], CorrectBoolean: true),
        ]), default));

    [Fact]
    public async Task When_the_time_is_up_a_save_or_a_submit_shows_the_time_up_page_with_the_saved_answers_counted()
    {
        var c = await CourseAsync();
        await TimedQuizAsync(c);
        var student = await web.SignedInAsync(c.District.District, "nw-s-001");
        const string Open = "select exists (select 1 from quiz_attempts where assignment_id = $1 and state = 'in_progress' and answers::text like '%choiceIds%')";
        const string PastDeadline = "update quiz_attempts set deadline_at = now() - interval '2 minutes' where assignment_id = $1 and state = 'in_progress'";

        // Saving: the first answer is saved in time; the next one, after the deadline, finishes the attempt.
        await student.GotoAsync(c.QuizUrl);
        await student.GetByRole(AriaRole.Button, new() { Name = "Start the quiz" }).ClickAsync();
        await Expect(student.Locator("#quiz-time-left")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(10:00|9:\d\d)$"));
        await student.GetByLabel("4", new() { Exact = true }).CheckAsync();
        await SavedAsync(c, Open, "the first answer");
        await c.District.ExecAsync(PastDeadline, c.Assignment);
        await student.GetByLabel("True").CheckAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "Time is up" })).ToBeVisibleAsync();
        await Expect(student.Locator("#quiz-time-up")).ToContainTextAsync("submitted with the answers you had saved");
        await Expect(student.Locator("#quiz-score")).ToHaveTextAsync("2 of 3 points");
        await Expect(student.Locator(".quiz-answer")).ToHaveTextAsync(["4", "No answer"]);
        await BrowserFixture.ScreenshotAsync(student, "quiz-time-up");
        await BrowserFixture.AssertAccessibleAsync(student);

        // Submitting (the second attempt): the same page, with what was saved.
        await student.GotoAsync(c.QuizUrl);
        await Expect(student.Locator("#quiz-attempts-used")).ToHaveTextAsync("1 used of 2");
        await student.GetByRole(AriaRole.Button, new() { Name = "Start the quiz" }).ClickAsync();
        await student.GetByLabel("5", new() { Exact = true }).CheckAsync();
        await SavedAsync(c, Open, "the second attempt's answer");
        await c.District.ExecAsync(PastDeadline, c.Assignment);
        await student.GetByRole(AriaRole.Button, new() { Name = "Submit…" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "Time is up" })).ToBeVisibleAsync();
        await Expect(student.Locator("#quiz-score")).ToHaveTextAsync("0 of 3 points");
        Assert.Equal(2L, await c.District.ScalarAsync<long>("select count(*) from quiz_attempts where assignment_id = $1 and overdue", c.Assignment));
        Assert.Equal(2m, await c.District.ScalarAsync<decimal>("select score from submissions where assignment_id = $1", c.Assignment)); // highest
        await student.GotoAsync(c.QuizUrl);
        await Expect(student.GetByText("You have used all your attempts.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Students_cannot_open_the_teachers_pages_nor_another_students_attempt()
    {
        var c = await CourseAsync();
        await TimedQuizAsync(c);
        var student = await web.SignedInAsync(c.District.District, "nw-s-001");
        await student.GotoAsync(c.QuizUrl);
        await student.GetByRole(AriaRole.Button, new() { Name = "Start the quiz" }).ClickAsync();
        await Expect(student.Locator("#quiz-answers")).ToBeVisibleAsync();
        var attemptUrl = student.Url;
        var attempt = await c.District.ScalarAsync<Guid>("select id from quiz_attempts where assignment_id = $1", c.Assignment);

        foreach (var path in new[] { "/build", "/attempts", $"/attempts/{attempt}/review" })
        {
            var response = await student.GotoAsync(c.QuizUrl + path);
            await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
            Assert.Equal(403, response!.Status);
        }
        await BrowserFixture.AssertAccessibleAsync(student);
        // A forged save to the builder is refused too, and no quiz changes.
        await student.GotoAsync(attemptUrl);
        Assert.Equal(403, await CoursePageSessions.PostWithTokenAsync(student, c.QuizUrl + "/build?handler=save", "Questions[0].Kind=Essay&Questions[0].Prompt=x&Questions[0].Points=1"));
        Assert.Equal(1, await c.District.ScalarAsync<int>("select version from quizzes where assignment_id = $1", c.Assignment));

        // Another student of the class: the attempt is not theirs (404), and a save to it is refused.
        var other = await web.SignedInAsync(c.District.District, "nw-s-002");
        var notTheirs = await other.GotoAsync(attemptUrl);
        Assert.Equal(404, notTheirs!.Status);
        await other.GotoAsync(c.QuizUrl);
        Assert.Equal(404, await CoursePageSessions.PostWithTokenAsync(other, attemptUrl + "?handler=autosave", ""));
        // A student of another class does not see the course's quizzes at all.
        var outsider = await web.SignedInAsync(c.District.District, "nw-s-009");
        Assert.Equal(404, (await outsider.GotoAsync(c.QuizUrl))!.Status);
        Assert.Equal(404, (await outsider.GotoAsync(attemptUrl))!.Status);

        // The teacher opening the student's attempt address is taken to the review (with the key), not the answer form.
        var teacher = await web.SignedInAsync(c.District.District, "nw-t-001");
        await teacher.GotoAsync(attemptUrl);
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Ethan Walker: attempt 1 at Quiz 1" })).ToBeVisibleAsync();
        await Expect(teacher.GetByText("Not submitted yet").First).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);

        // Another district's teacher of the same roster, on their own host, with this district's ids: 404 on every quiz page.
        var elsewhere = await ShellTestDistrict.CreateAsync(web.Api);
        var stranger = await web.SignedInAsync(elsewhere.District, "nw-t-001");
        foreach (var path in new[] { "", "/build", "/attempts", $"/attempts/{attempt}", $"/attempts/{attempt}/review" })
            Assert.Equal(404, (await stranger.GotoAsync(web.Url(elsewhere.District.Slug, $"/courses/{c.Shell}/quizzes/{c.Assignment}{path}")))!.Status);
        Assert.Equal(404, (await stranger.GotoAsync(web.Url(elsewhere.District.Slug, $"/courses/{c.Shell}/quizzes")))!.Status);
    }
}
