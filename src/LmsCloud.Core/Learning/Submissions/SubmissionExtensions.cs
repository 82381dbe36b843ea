using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Learning.Submissions;

public static class SubmissionExtensions
{
    /// <summary>Submissions, grading, posting, grade history and idempotency keys (docs/submissions.md).</summary>
    public static IServiceCollection AddSubmissions(this IServiceCollection services)
    {
        services.AddScoped<SubmissionReading>();
        services.AddScoped<Submitting>();
        services.AddScoped<Grading>();
        services.AddScoped<GradeHistory>();
        services.AddScoped<AttemptFiles>();
        services.AddScoped<IdempotencyKeys>();
        return services;
    }
}
