using Microsoft.AspNetCore.Mvc;

namespace LmsCloud.Api.Http;

/// <summary>Every error is RFC 9457 problem details; a malformed request is the client's 400, not our 500.</summary>
public static class ProblemDetailsDefaults
{
    public static int StatusCodeFor(Exception exception) =>
        exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;

    public static void Customize(ProblemDetailsContext context)
    {
        if (context.Exception is BadHttpRequestException bad)
        {
            context.ProblemDetails.Title = "Bad request";
            context.ProblemDetails.Detail = bad.InnerException?.Message is { } inner ? $"{bad.Message} {inner}" : bad.Message;
        }
    }
}
