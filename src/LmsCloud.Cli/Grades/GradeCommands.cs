using LmsCloud.Core.Learning.Grades;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms grades compute FILE.json|-</c>: the grade engine on its own, so support staff can reproduce a student's
/// grade and districts can check our maths (docs/grade-engine.md). Never touches the database: it reads only
/// <see cref="CliContext.In"/>/the file and writes <see cref="CliContext.Out"/>.
/// </summary>
static class GradeCommands
{
    public static async Task<int> ComputeAsync(CliContext context, CommandLine command)
    {
        var source = command.RequiredWord(2, "FILE.json (or - for standard input)");
        command.NoMore(3);
        string json;
        if (source == "-") json = await context.In.ReadToEndAsync();
        else if (!File.Exists(source)) throw new InvalidGradeDescriptionException($"cannot read '{source}': no such file");
        else json = await File.ReadAllTextAsync(source);

        var result = GradeEngine.Compute(GradeDescriptionJson.Read(json));
        await context.Out.WriteLineAsync(GradeDescriptionJson.Write(result));
        return 0;
    }
}
