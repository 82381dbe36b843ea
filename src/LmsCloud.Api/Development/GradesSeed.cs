using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Development;

/// <summary>
/// Development only: grades for the demo student's course (the demo teacher's shell the demo student takes), built
/// through the services the API uses, so grade changes are logged and <c>student_scores</c> holds the engine's result.
/// Percent weighting (Homework 40, Tests and quizzes 60), a late policy (10 % a day, floor 50 %) and a missing policy
/// (counts as 0); published work: homework graded on time, one past due and missing, one handed in late and graded, a
/// project whose due date the demo student has an extension on (handed in, waiting for a grade), a unit test posted
/// manually and then posted, and a short quiz the student took. Once per shell: a shell with assignment groups is left alone.
/// </summary>
public static class GradesSeed
{
    public static async Task<bool> RunAsync(IServiceProvider scope, Guid shell, Guid teacherId, Guid studentId, CancellationToken ct)
    {
        var db = scope.GetRequiredService<LmsDbContext>();
        if (await db.Database.SqlQuery<bool>($"select exists (select 1 from assignment_groups where shell_id = {shell}) as \"Value\"").SingleAsync(ct))
            return false;
        var teacher = new ShellViewer(teacherId, new HashSet<string> { Roles.Teacher });
        var student = new ShellViewer(studentId, new HashSet<string> { Roles.Student });
        var editing = scope.GetRequiredService<AssignmentEditing>();
        var grading = scope.GetRequiredService<Grading>();
        var submitting = scope.GetRequiredService<Submitting>();
        var quizzes = scope.GetRequiredService<QuizService>();
        var now = DateTimeOffset.UtcNow;

        await scope.GetRequiredService<GradingPolicies>().PutAsync(teacher, shell,
            new GradingPolicyInput("percent", new LatePolicyInput(10, "day", 50), new MissingPolicyInput(100, 0), null), null, ct);
        var homework = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Homework", 40, 0, 0, null), ct);
        var tests = await editing.CreateGroupAsync(teacher, shell, new AssignmentGroupInput("Tests and quizzes", 60, 0, 0, null), ct);

        async Task<Guid> AssignAsync(Guid group, string title, decimal points, AssignmentInput input, Func<Guid, Task>? beforePublishing = null)
        {
            var made = await editing.CreateAsync(teacher, shell, input with { GroupId = group, Title = title, PointsPossible = points }, ct);
            if (beforePublishing != null) await beforePublishing(made.Id);
            await editing.PublishAsync(teacher, made.Id, true, ct);
            return made.Id;
        }

        var onTime = await AssignAsync(homework.Id, "Homework 1: Reading problems", 10, new(DueAt: now.AddDays(-12),
            Instructions: "Answer the three questions of the lesson for each warm-up problem."));
        // Past due and never handed in: missing, counted as 0 by the missing policy.
        await AssignAsync(homework.Id, "Homework 2: Estimation practice", 10, new(DueAt: now.AddDays(-4),
            Instructions: "Estimate, then calculate, problems 1 to 10."));
        var late = await AssignAsync(homework.Id, "Homework 3: Word problems", 10, new(DueAt: now.AddDays(-2).AddHours(-1),
            Instructions: "Solve problems 1 to 6 and show your steps."));
        var project = await AssignAsync(tests.Id, "Project: Numbers in my neighbourhood", 50, new(DueAt: now.AddDays(-1),
            Instructions: "Collect five numbers you meet on the way to school and say what each one measures."));
        var unitTest = await AssignAsync(tests.Id, "Unit 1 test", 100, new(DueAt: now.AddDays(-6), PostManually: true));
        var (single, truth, number) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var right = Guid.NewGuid();
        var quiz = await AssignAsync(tests.Id, "Unit 1 check for understanding", 0, new(DueAt: now.AddDays(5), AllowedAttempts: 2), id =>
            quizzes.SaveAsync(teacher, id, new QuizInput(15, "highest", false, false,
            [
                new QuizQuestion(single, QuestionKind.SingleChoice, "Which is a reasonable estimate of 49 × 21?", 2,
                    [new QuizChoice(right, "1,000", true), new QuizChoice(Guid.NewGuid(), "100", false), new QuizChoice(Guid.NewGuid(), "10,000", false)]),
                new QuizQuestion(truth, QuestionKind.TrueFalse, "Underlining what is given comes before calculating.", 1, [], CorrectBoolean: true),
                new QuizQuestion(number, QuestionKind.Numeric, "What is 3.5 + 4.25?", 2, [], NumericAnswer: 7.75m),
            ]), ct));

        // The project's due date has passed for the class; the demo student has an extension and hands it in on time.
        await editing.SetOverrideAsync(teacher, project, null, studentId,
            new OverrideInput(now.AddDays(4), null, null, "Extension: away on the science fair trip"), ct);
        await submitting.SubmitAsync(student, project, new SubmitRequest("text",
            "1. Bus 42 (a route number)\n2. 25 mph (a speed limit)\n3. $1.75 (a fare)\n4. 8:05 (a time)\n5. 3 blocks (a distance)", null), null, ct);

        // Homework 1 was handed in on paper and graded; Homework 3 comes in late now (two days and an hour: −30 %).
        await grading.GradeAsync(teacher, onTime, studentId, new GradeRequest(8), null, GradeChannel.Web, ct);
        var handedIn = await submitting.SubmitAsync(student, late, new SubmitRequest("text", "My steps are in the attached notes: all six solved.", null), null, ct);
        await grading.GradeAsync(teacher, late, studentId, new GradeRequest(10), handedIn.ETag, GradeChannel.Web, ct);

        // The unit test is graded, then its grades are posted to the class.
        await grading.GradeAsync(teacher, unitTest, studentId, new GradeRequest(86), null, GradeChannel.Web, ct);
        await grading.PostAsync(teacher, unitTest, new PostingRequest(true, null), GradeChannel.Web, ct);

        // The quiz: scored by the server (4 of 5: the true/false answer is wrong).
        var attempt = await quizzes.StartAsync(student, quiz, ct);
        await quizzes.SubmitAsync(student, attempt.Id,
            [new QuizAnswer(single, ChoiceIds: [right]), new QuizAnswer(truth, Boolean: false), new QuizAnswer(number, Number: 7.75m)], ct);
        return true;
    }
}
