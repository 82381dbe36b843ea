using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Quizzes;

public static class QuizExtensions
{
    /// <summary>Quizzes on assignments: questions, attempts, autograding (docs/quizzes.md).</summary>
    public static IServiceCollection AddQuizzes(this IServiceCollection services) => services.AddScoped<QuizService>();
}
