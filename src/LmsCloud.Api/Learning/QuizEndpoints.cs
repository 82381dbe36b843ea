using System.Security.Claims;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record QuizAnswersRequest(IReadOnlyList<QuizAnswer>? Answers);
public sealed record QuestionGradeRequest(decimal Points, string? Reason);

/// <summary>
/// Quizzes over HTTP (docs/quizzes.md): the teacher's questions on an assignment, a student's attempts (start, save,
/// submit), and hand grading. The server keeps the time: answers after the deadline (plus 60 s grace) are refused.
/// </summary>
public static class QuizEndpoints
{
    public static IEndpointRouteBuilder MapQuizEndpoints(this IEndpointRouteBuilder app)
    {
        var quiz = app.MapGroup("/api/assignments/{id:guid}/quiz").WithTags("Quizzes").RequireAuthorization();
        quiz.MapGet("", (Guid id, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.GetAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("The quiz with its answer key (the course's teachers).");
        quiz.MapPut("", (Guid id, QuizInput body, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.SaveAsync(ShellViewer.From(p), id, body, ct)))
            .WithSummary("Creates or replaces the quiz's questions and settings; the assignment's points become the questions' total.");
        quiz.MapGet("/attempts", (Guid id, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.AttemptsAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("The caller's attempts (a student) or everyone's (the course's teachers), newest first.");
        quiz.MapPost("/attempts", (Guid id, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.StartAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("Starts an attempt, or returns the one already open.");

        var attempts = app.MapGroup("/api/quiz-attempts/{attemptId:guid}").WithTags("Quizzes").RequireAuthorization();
        attempts.MapGet("", (Guid attemptId, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.GetAttemptAsync(ShellViewer.From(p), attemptId, ct)));
        attempts.MapPut("/answers", (Guid attemptId, QuizAnswersRequest body, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.SaveAnswersAsync(ShellViewer.From(p), attemptId, body.Answers, ct)))
            .WithSummary("Saves answers to an open attempt (409 after the deadline: the attempt is then submitted with what was saved).");
        attempts.MapPost("/submit", (Guid attemptId, QuizAnswersRequest body, QuizService quizzes, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => quizzes.SubmitAsync(ShellViewer.From(p), attemptId, body.Answers, ct)))
            .WithSummary("Submits the attempt; it is scored at once except questions that need a teacher.");
        attempts.MapPut("/questions/{questionId:guid}/score", (Guid attemptId, Guid questionId, QuestionGradeRequest body, QuizService quizzes,
            ClaimsPrincipal p, CancellationToken ct) => Run(() => quizzes.GradeQuestionAsync(ShellViewer.From(p), attemptId, questionId, body.Points, body.Reason, ct)))
            .WithSummary("A teacher scores one question of a submitted attempt by hand.");
        return app;
    }
}
