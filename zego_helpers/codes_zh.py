"""ZEGO's own Chinese text for every code in :mod:`zego_helpers.codes`, and the kit's Chinese hints.

Taken from ZEGO's Chinese pages, not translated back from the kit's English:

* return codes: API 返回码, https://doc-zh.zego.im/aiagent-server/api-reference/return-codes
  (columns 返回码 / 说明 / 处理建议);
* ``Exception`` callback codes: 异常事件错误码,
  https://doc-zh.zego.im/aiagent-server/callbacks/exception-codes
  (columns 事件码 / 事件名称 / 处理建议);
* ``AgentInstanceDeleted`` reasons (code 0, and the wording of 1202): 接收回调,
  https://doc-zh.zego.im/aiagent-server/callbacks/receiving-callback.

Read in ``ZEGOCLOUD/docs_all`` at :data:`zego_helpers.docs.DOCS_REVISION`;
``tests/data/zego_codes_zh.json`` holds the same cells with their sources, and
a test compares them character for character.

Each entry says which is which:

* ``meaning``: ZEGO's 说明 (事件名称), verbatim, always;
* ``zego_advice``: ZEGO's 处理建议, verbatim (``None`` where the page gives none);
* ``kit_hint``: the kit's own hint, written in Chinese, where the kit's advice
  goes beyond ZEGO's (a variable to fix, a command to run, whether a retry is
  safe). ``None`` means ZEGO's 处理建议 says all the kit would, and is shown.
"""

from __future__ import annotations

from typing import NamedTuple


class ChineseText(NamedTuple):
    """One code in Chinese: ZEGO's meaning and advice, and the kit's hint where it has its own."""

    meaning: str
    zego_advice: str | None
    kit_hint: str | None = None

    @property
    def hint(self) -> str:
        """What to do: the kit's hint if it has one, else ZEGO's 处理建议 (ending in 。)."""
        text = self.kit_hint or self.zego_advice or ""
        return text if not text or text.endswith(("。", "！", "？")) else text + "。"

    @property
    def hint_source(self) -> str:
        """``"kit"`` (the kit's own advice), ``"zego"`` (ZEGO's 处理建议) or ``""`` (none)."""
        if self.kit_hint:
            return "kit"
        return "zego" if self.zego_advice else ""


RETURN_CODES_ZH: dict[int, ChineseText] = {
    0: ChineseText(
        "成功",
        None,
    ),
    100000000: ChineseText(
        "请求头部中的 Host 错误。",
        "请确认请求头部 Host 地址是否正确。",
        kit_hint="请检查 ZEGO_API_BASE_URL：应使用 aigc-aiagent-api 开头的接入地址。",
    ),
    100000001: ChineseText(
        "AppId 字段格式错误。",
        "请填写正确的 AppId。",
        kit_hint="ZEGO_APP_ID 应为 ZEGO 控制台中显示的数字 AppID。",
    ),
    100000002: ChineseText(
        "Timestamp 字段为空。",
        "请填写 Timestamp。",
        kit_hint="请求缺少 Timestamp，这是客户端代码的缺陷。",
    ),
    100000003: ChineseText(
        "Timestamp 字段格式错误。",
        "请填写正确 Unix 时间戳（单位秒）。",
        kit_hint="Timestamp 必须是以秒为单位的整数 Unix 时间戳，不能是毫秒。",
    ),
    100000004: ChineseText(
        "签名过期。",
        "请重新生成签名。",
        kit_hint="本机时钟与 ZEGO 服务器的时间相差超过 10 分钟。请同步时钟（NTP）后重试。",
    ),
    100000005: ChineseText(
        "签名错误。",
        "请确认生成签名的参数是否正确。",
        kit_hint=(
            "ZEGO_SERVER_SECRET 与 ZEGO_APP_ID 不属于同一个项目。请从 ZEGO 控制台重新复制这两项。"
        ),
    ),
    100000006: ChineseText(
        "Action 为空。",
        "请指定 Action。",
        kit_hint="请求缺少 Action，这是客户端代码的缺陷。",
    ),
    100000007: ChineseText(
        "不支持的 Action。",
        "请填写正确的 Action。",
        kit_hint="请检查 Action 名称的拼写。",
    ),
    100000008: ChineseText(
        "SignatureNonce 字段为空。",
        "请填写 SignatureNonce。",
        kit_hint="请求缺少 SignatureNonce，这是客户端代码的缺陷。",
    ),
    100000009: ChineseText(
        "Signature 字段为空。",
        "请填写 Signature。",
        kit_hint="请求缺少 Signature，这是客户端代码的缺陷。",
    ),
    100000010: ChineseText(
        "获取 ServerSecret 失败。",
        "请确认 AppId 是否正确。",
        kit_hint="ZEGO_APP_ID 有误，或该 AppID 尚未开通服务。",
    ),
    100000011: ChineseText(
        "获取 App 配置失败。",
        "请确认 AppId 是否正确，或联系 ZEGO 技术支持处理。",
    ),
    100000012: ChineseText(
        "读取 HTTP 包体失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请发送合法的 JSON 包体，并带上 Content-Type 请求头。",
    ),
    100000013: ChineseText(
        "SignatureVersion 字段为空。",
        "请填写 SignatureVersion。",
        kit_hint="请发送 SignatureVersion=2.0。",
    ),
    100000014: ChineseText(
        "不支持的 SignatureVersion。",
        "SignatureVersion 仅支持 2.0。",
    ),
    100000015: ChineseText(
        "网关内部错误。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "请稍后重试；如果持续出现，请联系 ZEGO 技术支持。文档没有说明该请求是否已被执行，"
            "所以本工具包只自动重试可以安全重复的操作：创建类请求失败后，"
            "请先检查（ListAgents 或本机的实例台账），再决定是否重新创建。"
        ),
    ),
    100000017: ChineseText(
        "App 未开通该服务。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "该 AppID 尚未开通实时互动 AI Agent 服务：请在 ZEGO 控制台开通，或联系 ZEGO 技术支持。"
        ),
    ),
    410000001: ChineseText(
        "系统错误。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请稍后重试；如果持续出现，请联系 ZEGO 技术支持。",
    ),
    410000002: ChineseText(
        "AppID 无效。",
        "请检查 AppID 是否正确。",
        kit_hint="请检查 ZEGO_APP_ID。",
    ),
    410000003: ChineseText(
        "参数无效。",
        "请依据 Message 提示，检查不合法的输入参数。",
    ),
    410000004: ChineseText(
        "JSON 解析失败",
        "请检查请求参数是否是合法的 JSON。",
    ),
    410000005: ChineseText(
        "网关鉴权失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410000006: ChineseText(
        "App 未开通该服务。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "请为该 AppID 开通实时互动 AI Agent 服务（在 ZEGO 控制台开通，或联系 ZEGO 技术支持）。"
        ),
    ),
    410000009: ChineseText(
        "服务内部调用失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请稍后重试；如果持续出现，请联系 ZEGO 技术支持。",
    ),
    410000010: ChineseText(
        "服务资源不足。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请稍等片刻后重试。",
    ),
    410000011: ChineseText(
        "APP在线实例并发数量限制。",
        "请检查并发是否达到限制，扩容请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "请删除不再需要的智能体实例："
            "`.venv/bin/zego-kit cleanup` 会删除实例台账中记录的实例。如需调整并发上限，"
            "请联系 ZEGO 商务。"
        ),
    ),
    410000014: ChineseText(
        "无效的数字人参数。",
        "请检查数字人相关参数是否正确。",
        kit_hint="请检查 DigitalHuman 对象中的参数。",
    ),
    410001002: ChineseText(
        "未找到智能体实例。",
        "请检查智能体实例是否已被删除。",
        kit_hint=(
            "该实例已被删除，或已自动销毁（创建实例的用户离开房间超过 MaxIdleTime：1202）。"
            "请创建新的智能体实例。"
        ),
    ),
    410001003: ChineseText(
        "智能体实例创建失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001004: ChineseText(
        "智能体实例修改失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001005: ChineseText(
        "智能体实例删除失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请重试；如果持续出现，请联系 ZEGO 技术支持。",
    ),
    410001006: ChineseText(
        "主动调用 LLM 失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请检查 LLM 配置；如仍失败，请联系 ZEGO 技术支持。",
    ),
    410001007: ChineseText(
        "主动调用 TTS 失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请检查 TTS 配置；如仍失败，请联系 ZEGO 技术支持。",
    ),
    410001008: ChineseText(
        "智能体已存在。",
        "请勿重复创建",
        kit_hint="请使用 ensure_agent()（按需注册或更新），或调用 UpdateAgent。",
    ),
    410001009: ChineseText(
        "智能体未找到。",
        "请检查是否已创建该智能体。",
        kit_hint="请先注册智能体（见 notebook 01，或使用 ensure_agent()）。",
    ),
    410001010: ChineseText(
        "加载历史消息失败。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请检查即时通讯（ZIM）配置，或使用 MessageHistory.SyncMode=1。",
    ),
    410001011: ChineseText(
        "智能体实例更新失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001013: ChineseText(
        "智能体正在聆听。",
        "智能体处于聆听状态时，不支持主动调用 LLM 或 TTS。",
        kit_hint=(
            "ZEGO：智能体处于聆听状态时，不支持主动调用 LLM 或 TTS。"
            "本工具包的理解（文档未说明是哪种模式）："
            "聆听是对讲机模式下调用 StartListening 之后的状态，所以请先调用 StopListening。"
        ),
    ),
    410001016: ChineseText(
        "用户不存在。",
        "请检查用户是否已登录 Agent 实例所在房间。",
    ),
    410001022: ChineseText(
        "获取智能体实例上下文失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001023: ChineseText(
        "重置智能体实例上下文失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001024: ChineseText(
        "打断智能体实例失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001025: ChineseText(
        "数字人服务资源不足",
        "请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "ZEGO 的数字人服务资源暂时不足（不是您的并发配额问题）：请稍后重试，"
            "或像 ZEGO 的示例服务端那样，退回到纯语音的智能体实例。"
        ),
    ),
    410001026: ChineseText(
        "数字人 ConfigId 不支持",
        "请联系 ZEGO 技术支持确认该形象是否支持对应的 ConfigId。",
        kit_hint="请使用 ConfigId 'mobile' 或 'web'。",
    ),
    410001027: ChineseText(
        "数字人 DigitalHumanId 不正确。",
        "请确认使用的 DigitalHumanId 是否正确。",
    ),
    410001028: ChineseText(
        "数字人智能体实例创建失败。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001029: ChineseText(
        "数字人接口限频。",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请降低调用频率后重试。",
    ),
    410001030: ChineseText(
        "数字人流 ID 重复。",
        "请检查数字人流 ID 是否重复。",
        kit_hint="请使用唯一的 AgentStreamId。",
    ),
    410001031: ChineseText(
        "数字人并发已达上限。",
        "请检查数字人并发是否达到限制，扩容请联系 ZEGO 技术支持处理。",
        kit_hint=(
            "您账号下的数字人智能体实例（默认 10 个）都在运行：请删除其中一个，"
            "或联系 ZEGO 技术支持提高上限。"
            "只为 410001025 编写的回退逻辑（如 ZEGO 示例服务端中那样）处理不到这个返回码。"
        ),
    ),
    410001032: ChineseText(
        "数字人服务系统错误。",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001033: ChineseText(
        "LLM 测试账号已过期",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请改用您自己的 LLM 接入地址（Url）、ApiKey 和模型。",
    ),
    410001034: ChineseText(
        "TTS 测试账号已过期",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请改用您自己的 TTS 厂商鉴权信息。",
    ),
    410001035: ChineseText(
        "App 测试账号已过期",
        "请联系 ZEGO 技术支持处理。",
        kit_hint="请联系 ZEGO 技术支持或 ZEGO 商务。",
    ),
    410001041: ChineseText(
        "Agent 实例正在处于优雅销毁状态",
        "Agent 实例正在处于优雅销毁状态，不支持继续操作智能体实例。",
        kit_hint="请不要再向该实例发送指令。",
    ),
    410001042: ChineseText(
        "Agent 实例的互动模式不是对讲机模式",
        "Agent 实例的互动模式不是对讲机模式，禁止调用“开始/结束聆听”API。",
        kit_hint=(
            "StartListening / StopListening 需要 AdvancedConfig.CommunicationMode=2（对讲机模式）。"
        ),
    ),
    410001043: ChineseText(
        "API 请求携带的 Sequence 校验失败。",
        "API 请求携带的 Sequence 落后，忽略处理该请求。",
    ),
    410001044: ChineseText(
        "对讲机模式，开启聆听失败",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001045: ChineseText(
        "对讲机模式，结束聆听失败",
        "请联系 ZEGO 技术支持处理。",
    ),
    410001046: ChineseText(
        "用户还没有开始推流",
        "用户没有开始推流，对讲机模式，开启聆听失败",
        kit_hint="请等待用户开始推流后再调用。",
    ),
    410001047: ChineseText(
        'LLM.ApiKey 为 "zego_test"，但所填写的 LLM.Url 不合法',
        "请检查配置的 LLM 的 ApiKey 和 Url 参数是否匹配",
        kit_hint=(
            "ApiKey 为 'zego_test' 时，"
            "请使用四组测试用 Url/模型组合之一（zego_helpers.validation.TRIAL_LLM_PAIRS），"
            "或改用您自己的 ApiKey。"
        ),
    ),
    410001048: ChineseText(
        "数字人 DigitalHumanId 不属于本 APP",
        "请确认使用的 DigitalHumanId 是否已绑定到本 APP",
    ),
    410001049: ChineseText(
        "禁止 API 操作播报数字人实例",
        "播报数字人智能体实例不支持通过接口调用控制。",
        kit_hint="对播报数字人实例只能调用 SendAgentInstanceTTS 和 DeleteAgentInstance。",
    ),
}

EXCEPTION_CODES_ZH: dict[int, ChineseText] = {
    0: ChineseText(  # an AgentInstanceDeleted reason (receiving-callback)
        "调用 DeleteAgentInstance 删除的实例。",
        None,
        kit_hint="无需处理。",
    ),
    1001: ChineseText(
        "ZEGO 实时互动 AI Agent 通用错误。",
        "详情请参考 `Message` 字段。",
    ),
    1004: ChineseText(
        "服务端 VAD 检测到人声说话但是 ASR 没有识别有效文本。",
        "统计监控或忽略不处理",
        kit_hint="通常无需处理：多为背景噪声。",
    ),
    1101: ChineseText(
        "IM 通用错误。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请检查即时通讯（ZIM）配置，或使用 MessageHistory.SyncMode=1。",
    ),
    1201: ChineseText(
        "RTC 通用错误。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请检查房间 ID 和流 ID；如果持续出现，请联系 ZEGO 技术支持。",
    ),
    1202: ChineseText(  # meaning as on receiving-callback (智能体实例的用户, the precise wording)
        (
            "创建智能体实例的用户超过 120 秒（或 AdvancedConfig.MaxIdleTime 参数自定义时间）"
            "不在 RTC 房间内。"
        ),
        "请检查创建智能体实例的用户是否在 RTC 房间内。",
        kit_hint=(
            "请在空闲时间用完之前从客户端加入房间（03_talk 的通话组件），"
            "或调大 AdvancedConfig.MaxIdleTime（10-1800 秒）。"
        ),
    ),
    1203: ChineseText(
        "智能体实例被踢出 RTC 房间。",
        "请检查是否多个智能体实例使用了相同的 `AgentUserId`。",
        kit_hint="每个智能体实例都要有自己的 AgentUserId：make_call_ids(prefix=...) 会为您生成。",
    ),
    1204: ChineseText(
        "智能体实例登录 RTC 房间失败。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请检查 RoomId，以及该 AppID 是否已开通 RTC 服务。",
    ),
    1205: ChineseText(
        "智能体实例与 RTC 房间断连。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="这是 ZEGO 侧的网络问题，请重试。",
    ),
    1206: ChineseText(
        "智能体实例推流失败。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请使用其他实例都没有在用的 AgentStreamId。",
    ),
    1207: ChineseText(
        "智能体实例拉流失败。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请检查 UserStreamId 是否与客户端推流使用的流 ID 一致。",
    ),
    1208: ChineseText(
        "RTC 发送房间消息出错",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="通常是偶发问题，请重试。",
    ),
    2101: ChineseText(
        "ASR 通用错误。",
        "请向 ZEGO 技术支持提供 `Message` 字段。",
        kit_hint="请检查 ASR 厂商及其 Params。",
    ),
    2201: ChineseText(
        "LLM 通用错误。",
        "详情请参考 `Message` 字段。",
        kit_hint="请检查 LLM.Url 和 LLM.Model，并查看 Message。",
    ),
    2202: ChineseText(
        "LLM 参数错误。",
        "请检查请求参数是否合法。",
        kit_hint="请检查 LLM.Model、Temperature、TopP 和 Params。",
    ),
    2203: ChineseText(
        "LLM 请求鉴权失败。",
        "请检查传入的 `LLM.ApiKey` 是否正确。",
        kit_hint="LLM 拒绝了 LLM.ApiKey：请检查该密钥，以及它是否属于 LLM.Url 对应的服务。",
    ),
    2204: ChineseText(
        "LLM 请求并发达到上限。",
        "请确认是否增购并发。",
        kit_hint="已达到您 LLM 账号的频率限制：请降低请求频率。",
    ),
    2205: ChineseText(
        "LLM 账号欠费。",
        "请您自行前往 LLM 服务提供商官网续费。",
    ),
    2206: ChineseText(
        "LLM 内容审核失败。",
        "请检查用户是否输入非法内容。",
    ),
    2301: ChineseText(
        "TTS 通用错误。",
        "详情请参考 `Message` 字段。",
        kit_hint="请检查 TTS 厂商配置，并查看 Message。",
    ),
    2302: ChineseText(
        "TTS 参数错误。",
        "请检查请求参数是否合法。",
        kit_hint="请检查 TTS.Params（音色必须与模型匹配）。",
    ),
    2303: ChineseText(
        "TTS 请求鉴权失败。",
        "请检查传入的 `TTS.Params.app` 是否正确。",
    ),
    2304: ChineseText(
        "TTS 请求并发达到上限。",
        "请确认是否增购并发。",
        kit_hint="已达到您 TTS 账号的并发上限：请降低请求频率。",
    ),
    2305: ChineseText(
        "TTS 账号欠费。",
        "请您自行前往 TTS 服务提供商官网续费。",
    ),
}
